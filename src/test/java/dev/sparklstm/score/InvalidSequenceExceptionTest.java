package dev.sparklstm.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class InvalidSequenceExceptionTest {
    @Test
    void foundAmongTheCausesOfASparkFailure() {
        InvalidSequenceException invalid = new InvalidSequenceException("s1: feature \"x\" is NaN");
        RuntimeException job = new RuntimeException("Job aborted", new RuntimeException("task failed", invalid));
        assertSame(invalid, InvalidSequenceException.in(job));
    }

    @Test
    void readFromTheFailureMessageWhenTheCauseDidNotReachTheDriver() {
        RuntimeException job = new RuntimeException("Job aborted due to stage failure: Task 1 in stage 6.0 failed 4 "
                + "times, most recent failure: Lost task 1.3: org.apache.spark.SparkException: [TASK_WRITE_FAILED] "
                + "Task failed while writing rows\n\tat org.apache.spark.X.y(X.scala:1)\nCaused by: "
                + InvalidSequenceException.class.getName() + ": s1: sequence s1 has an invalid row (time \"t\" is "
                + "null)\n\tat dev.sparklstm.score.ScorePartitionFn.stop(ScorePartitionFn.java:1)\n");
        assertEquals("s1: sequence s1 has an invalid row (time \"t\" is null)",
                InvalidSequenceException.in(job).getMessage());
    }

    @Test
    void otherFailuresAreNotMistakenForInvalidInput() {
        assertNull(InvalidSequenceException.in(new IllegalStateException("ND4J could not allocate",
                new RuntimeException("x"))));
    }
}
