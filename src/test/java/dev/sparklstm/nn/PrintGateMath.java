package dev.sparklstm.nn;

/** Prints the gate math this JVM chooses (for {@link GateMathFallbackTest}'s child JVMs). */
public final class PrintGateMath {
    private PrintGateMath() {
    }

    public static void main(String[] args) {
        System.out.println("GATE_MATH=" + GateMath.get().name());
    }
}
