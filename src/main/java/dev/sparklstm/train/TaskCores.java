package dev.sparklstm.train;

import org.apache.spark.TaskContext;

/**
 * The cores Spark gives the running task ({@code spark.task.cpus}): the threads of its own the
 * fused LSTM's fast training step and fast forward split each minibatch over, so that Spark's
 * tasks, the LSTM's threads and OpenBLAS's (one per task, {@code OMP_NUM_THREADS=1} from
 * jobs/launch.sh) together use each core once.
 */
public final class TaskCores {
    private TaskCores() {
    }

    /** {@code spark.task.cpus} of the task running on this thread, or 1 outside a Spark task. */
    public static int current() {
        TaskContext task = TaskContext.get();
        return task == null ? 1 : Math.max(1, task.cpus());
    }
}
