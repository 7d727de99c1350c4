package dev.sparklstm.score;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Row;

/**
 * Reads a partition sorted by (sequence id, time) one sequence at a time, in pieces of bounded
 * size, so a sequence of a million steps never has to be held whole. A row with a null id is a
 * group of its own.
 */
final class GroupReader {
    private final Iterator<Row> rows;
    private final int idIndex;
    private Row pending;
    private Object key;
    private boolean groupOpen;

    GroupReader(Iterator<Row> rows, int idIndex) {
        this.rows = rows;
        this.idIndex = idIndex;
    }

    /** Whether another group starts. */
    boolean hasNextGroup() {
        drain();
        return pending != null || rows.hasNext();
    }

    /** Starts the next group and returns its sequence id value (null for a null-id row). */
    Object nextGroup() {
        drain();
        if (pending == null) {
            pending = rows.next();
        }
        key = pending.get(idIndex);
        groupOpen = true;
        return key;
    }

    /** Reads up to {@code max} more rows of the current group (empty when it is exhausted). */
    List<Row> read(int max) {
        List<Row> piece = new ArrayList<>(Math.min(max, 1024));
        while (piece.size() < max && groupHasMore()) {
            take();
            piece.add(taken);
        }
        return piece;
    }

    /** Whether the current group has rows not read yet. */
    boolean groupHasMore() {
        if (!groupOpen) {
            return false;
        }
        if (pending == null) {
            if (!rows.hasNext()) {
                groupOpen = false;
                return false;
            }
            pending = rows.next();
        }
        groupOpen = Objects.equals(pending.get(idIndex), key);
        return groupOpen;
    }

    /** Skips what is left of the current group. */
    void drain() {
        while (groupHasMore()) {
            take();
        }
    }

    private Row taken;

    private void take() {
        taken = pending;
        pending = null;
        if (key == null) {
            groupOpen = false; // a null id is never grouped with another row
        }
    }
}
