package dev.sparklstm.sequence;

import dev.sparklstm.config.DataSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The preprocessing a model was trained with: standardization of numeric features (mean and
 * standard deviation of the training split), one-hot encoding of categorical features (vocabulary
 * of the training split plus a final "unknown" slot for values never seen in training), and the
 * mapping of class labels to output indices. It is stored in the model metadata and applied
 * unchanged at scoring time.
 *
 * <p>Network input layout per step: the standardized numeric features in column order, then for
 * each categorical column its one-hot block of {@code vocabulary.size() + 1} slots.
 */
public final class FeatureEncoder implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Name of the extra one-hot slot that unseen categories map to (documentation only). */
    public static final String UNKNOWN_SLOT = "<unknown>";

    private final List<String> numericColumns;
    private final double[] means;
    private final double[] stds;
    private final List<String> categoricalColumns;
    private final List<List<String>> vocabularies;
    private final DataSpec.TaskType taskType;
    private final DataSpec.Output output;
    private final List<String> classes;
    private final List<String> targetColumns;
    private transient List<Map<String, Integer>> categoryIndex;
    private transient Map<String, Integer> classIndex;

    public FeatureEncoder(List<String> numericColumns, double[] means, double[] stds,
                          List<String> categoricalColumns, List<List<String>> vocabularies,
                          DataSpec.TaskType taskType, DataSpec.Output output,
                          List<String> classes, List<String> targetColumns) {
        if (means.length != numericColumns.size() || stds.length != numericColumns.size()) {
            throw new IllegalArgumentException("need one mean and one std per numeric column");
        }
        if (vocabularies.size() != categoricalColumns.size()) {
            throw new IllegalArgumentException("need one vocabulary per categorical column");
        }
        for (double std : stds) {
            if (!(std > 0.0) || !Double.isFinite(std)) {
                throw new IllegalArgumentException("standard deviations must be positive and finite, got " + std);
            }
        }
        if (taskType == DataSpec.TaskType.CLASSIFICATION && classes.size() < 2) {
            throw new IllegalArgumentException("classification needs at least two classes, found " + classes);
        }
        this.numericColumns = List.copyOf(numericColumns);
        this.means = means.clone();
        this.stds = stds.clone();
        this.categoricalColumns = List.copyOf(categoricalColumns);
        List<List<String>> vocabCopy = new ArrayList<>();
        vocabularies.forEach(v -> vocabCopy.add(List.copyOf(v)));
        this.vocabularies = List.copyOf(vocabCopy);
        this.taskType = taskType;
        this.output = output;
        this.classes = List.copyOf(classes);
        this.targetColumns = List.copyOf(targetColumns);
    }

    public List<String> numericColumns() {
        return numericColumns;
    }

    public double[] means() {
        return means.clone();
    }

    public double[] stds() {
        return stds.clone();
    }

    public List<String> categoricalColumns() {
        return categoricalColumns;
    }

    public List<List<String>> vocabularies() {
        return vocabularies;
    }

    public DataSpec.TaskType taskType() {
        return taskType;
    }

    public DataSpec.Output output() {
        return output;
    }

    public List<String> classes() {
        return classes;
    }

    public List<String> targetColumns() {
        return targetColumns;
    }

    public boolean isClassification() {
        return taskType == DataSpec.TaskType.CLASSIFICATION;
    }

    public boolean isPerSequence() {
        return output == DataSpec.Output.PER_SEQUENCE;
    }

    /** Width of the network input: numeric features plus one-hot blocks (each with its unknown slot). */
    public int inputSize() {
        int size = numericColumns.size();
        for (List<String> vocabulary : vocabularies) {
            size += vocabulary.size() + 1;
        }
        return size;
    }

    /** Width of the network output: the number of classes, or of regression targets. */
    public int outputSize() {
        return isClassification() ? classes.size() : targetColumns.size();
    }

    /**
     * Writes the encoded input of one step into {@code dest}: element {@code j} of the step's
     * input vector goes to {@code dest[offset + j * stride]}. Slots not written stay as they are,
     * so {@code dest} must be zeroed by the caller.
     */
    public void encodeStep(SequenceRecord sequence, int step, float[] dest, int offset, int stride) {
        int numericCount = numericColumns.size();
        double[] numeric = sequence.numeric();
        for (int c = 0; c < numericCount; c++) {
            double standardized = (numeric[step * numericCount + c] - means[c]) / stds[c];
            dest[offset + c * stride] = (float) standardized;
        }
        int categoricalCount = categoricalColumns.size();
        int slot = numericCount;
        List<Map<String, Integer>> index = categoryIndex();
        for (int c = 0; c < categoricalCount; c++) {
            Integer code = index.get(c).get(sequence.categorical()[step * categoricalCount + c]);
            int vocabularySize = vocabularies.get(c).size();
            dest[offset + (slot + (code == null ? vocabularySize : code)) * stride] = 1.0f;
            slot += vocabularySize + 1;
        }
    }

    /** Output index of a class label; throws when the label is not a known class. */
    public int classIndex(String label) {
        if (classIndex == null) {
            Map<String, Integer> map = new HashMap<>();
            for (int i = 0; i < classes.size(); i++) {
                map.put(classes.get(i), i);
            }
            classIndex = map;
        }
        Integer index = classIndex.get(label);
        if (index == null) {
            throw new IllegalArgumentException("label '" + label + "' is not one of the classes " + classes);
        }
        return index;
    }

    private List<Map<String, Integer>> categoryIndex() {
        if (categoryIndex == null) {
            List<Map<String, Integer>> maps = new ArrayList<>();
            for (List<String> vocabulary : vocabularies) {
                Map<String, Integer> map = new HashMap<>();
                for (int i = 0; i < vocabulary.size(); i++) {
                    map.put(vocabulary.get(i), i);
                }
                maps.add(map);
            }
            categoryIndex = maps;
        }
        return categoryIndex;
    }
}
