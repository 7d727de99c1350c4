package dev.sparklstm.score;

/**
 * Thrown by a scoring task under {@code input.bad-rows=fail} at the first invalid sequence it
 * meets; its message is the example the job's error shows ("sequence id: reason"). Spark stops the
 * job (after {@code spark.task.maxFailures} attempts of that task on a cluster; the task fails the
 * same way each time) and the driver finds this exception in the failure's causes
 * ({@link #in}), so the user sees the same error as from a check before scoring, with nothing written.
 */
final class InvalidSequenceException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    InvalidSequenceException(String example) {
        super(example);
    }

    /**
     * The exception of this type among {@code failure} and its causes, or null. Spark passes a
     * task's exception to the driver as the cause of the job's failure when it can deserialize it;
     * it always writes the task's stack trace, causes included, into the failure's message, which
     * is the fallback.
     */
    static InvalidSequenceException in(Throwable failure) {
        String marker = InvalidSequenceException.class.getName() + ": ";
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidSequenceException invalid) {
                return invalid;
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            int at = message.indexOf(marker);
            if (at >= 0) {
                String rest = message.substring(at + marker.length());
                int end = rest.indexOf('\n');
                return new InvalidSequenceException((end < 0 ? rest : rest.substring(0, end)).strip());
            }
        }
        return null;
    }
}
