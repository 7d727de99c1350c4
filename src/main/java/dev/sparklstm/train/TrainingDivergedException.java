package dev.sparklstm.train;

/** Thrown when the loss or the parameters become NaN or infinite; no model is written then. */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
