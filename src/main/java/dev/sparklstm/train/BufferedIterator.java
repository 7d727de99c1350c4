package dev.sparklstm.train;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A lazy iterator that produces its elements in small batches: {@link #refill} adds the next few
 * (a sequence's rows, a minibatch's predictions) when the queue runs dry. Executor functions use it
 * to stream a partition while holding one batch at a time.
 *
 * @param <T> element type
 */
public abstract class BufferedIterator<T> implements Iterator<T> {
    private final ArrayDeque<T> ready = new ArrayDeque<>();
    private boolean exhausted;

    /**
     * Adds the next elements to {@code ready} (possibly none, then it is called again); returns
     * false once the source is exhausted and nothing more will come.
     */
    protected abstract boolean refill(ArrayDeque<T> ready);

    @Override
    public final boolean hasNext() {
        while (ready.isEmpty() && !exhausted) {
            exhausted = !refill(ready);
        }
        return !ready.isEmpty();
    }

    @Override
    public final T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }
}
