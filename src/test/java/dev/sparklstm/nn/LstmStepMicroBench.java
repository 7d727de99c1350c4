package dev.sparklstm.nn;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Side-by-side single-JVM micro-measurement (not a test) of one LSTM layer's inference forward
 * ({@link FloatLstmForward}, batch 256, 50 steps) with the single-pass {@link LstmStep} and with
 * GEMM + gate math, for the layer shapes of the speed workloads (issue 8: A = hidden 32, B =
 * hidden 256; 8 inputs below, the hidden size above). Variants are interleaved in rounds so all
 * see the same load; time is the calling thread's CPU time, so other processes on the machine
 * move the figures less. Prints medians in sequence-steps per CPU second and the ratio.
 * Run: java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:CP
 * dev.sparklstm.nn.LstmStepMicroBench [rounds] [calls] (OMP_NUM_THREADS=1 and OPENBLAS_CORETYPE
 * as the jobs set them).
 */
public final class LstmStepMicroBench {
    private static final int BATCH = 256;
    private static final int STEPS = 50;

    private LstmStepMicroBench() {
    }

    private record Shape(String name, int inputs, int hidden) {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<Shape> shapes = List.of(new Shape("A layer 1", 8, 32), new Shape("A layer 2", 32, 32),
                new Shape("B layer 1", 8, 256), new Shape("B layer 2", 256, 256));
        for (Shape shape : shapes) {
            int width = shape.inputs + shape.hidden;
            long nw = (long) shape.inputs * 4 * shape.hidden;
            long nrw = (long) shape.hidden * 4 * shape.hidden;
            Nd4j.getRandom().setSeed(1);
            NativeBuffer params = NativeBuffer.over(Nd4j.rand(DataType.FLOAT, 1, nw + nrw + 4 * shape.hidden)
                    .subi(0.5).muli(0.4));
            FloatLstmForward[] forwards = {new FloatLstmForward(new VectorGateMath(true)),
                new FloatLstmForward(new VectorGateMath(false))};
            String[] names = {"single-pass step", "GEMM + gate math"};
            for (FloatLstmForward forward : forwards) {
                NativeBuffer xh = forward.inputRows(BATCH, STEPS, shape.inputs, shape.hidden);
                for (int row = 0; row < STEPS * BATCH; row++) {
                    for (int k = 0; k < shape.inputs; k++) {
                        xh.bytes().putFloat((row * width + k) << 2, (float) Math.sin(row * 0.37 + k));
                    }
                }
            }
            List<List<Double>> rates = List.of(new ArrayList<>(), new ArrayList<>());
            for (int round = 0; round < rounds + 2; round++) {
                for (int v = 0; v < forwards.length; v++) {
                    long start = threads.getCurrentThreadCpuTime();
                    for (int call = 0; call < calls; call++) {
                        forwards[v].clearState();
                        forwards[v].forward(BATCH, STEPS, shape.inputs, shape.hidden, params, 0, nw, nw + nrw, null, 0,
                                0, null);
                    }
                    double seconds = (threads.getCurrentThreadCpuTime() - start) / 1e9;
                    if (round >= 2) {
                        rates.get(v).add((double) calls * BATCH * STEPS / seconds);
                    }
                }
            }
            double[] medians = new double[forwards.length];
            for (int v = 0; v < forwards.length; v++) {
                double[] sorted = rates.get(v).stream().mapToDouble(Double::doubleValue).sorted().toArray();
                medians[v] = sorted[sorted.length / 2];
                double gflops = medians[v] * 2.0 * width * 4 * shape.hidden / 1e9;
                System.out.printf("%-10s %-18s %,12.0f seq-steps/CPU-s  %6.1f GFLOP/s  (range %,.0f..%,.0f)%n",
                        shape.name, names[v], medians[v], gflops, sorted[0], sorted[sorted.length - 1]);
            }
            System.out.printf("%-10s step / GEMM = %.2fx%n", shape.name, medians[0] / medians[1]);
        }
    }
}
