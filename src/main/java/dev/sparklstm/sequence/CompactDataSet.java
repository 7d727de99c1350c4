package dev.sparklstm.sequence;

import java.io.Serializable;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A minibatch that Java serialization writes as {@link DataSetCodec}'s bytes. The training job
 * caches its minibatches serialized ({@code MEMORY_AND_DISK_SER}, Spark's Java serializer) and
 * reads that cache at least twice an epoch (the shuffle into averaging rounds, the evaluation); a
 * plain {@code DataSet} writes and reads each value on its own there, which was about a fifth of
 * the executors' Java samples in a JFR of the training job (session 7). This class serializes as
 * one byte array and comes back as itself; everything else is {@code DataSet}'s.
 */
public final class CompactDataSet extends DataSet {
    private static final long serialVersionUID = 1L;

    /** A minibatch with the arrays of {@code data} (not copied). */
    public CompactDataSet(DataSet data) {
        super(data.getFeatures(), data.getLabels(), data.getFeaturesMaskArray(), data.getLabelsMaskArray());
    }

    private Object writeReplace() {
        return new Encoded(DataSetCodec.encode(this));
    }

    /** What Java serialization writes for a {@link CompactDataSet}. */
    private static final class Encoded implements Serializable {
        private static final long serialVersionUID = 1L;
        private final byte[] bytes;

        Encoded(byte[] bytes) {
            this.bytes = bytes;
        }

        private Object readResolve() {
            return new CompactDataSet(DataSetCodec.decode(bytes));
        }
    }
}
