package dev.sparklstm.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.Type;

/**
 * Reads numeric columns of a small Parquet table (a file, or a directory of part files as Spark
 * writes them) into memory without Spark, with parquet-hadoop's example {@link Group} reader. For
 * the benchmark reports: the training job's {@code metrics/} and the scoring job's
 * {@code predictions/} of a per-sequence task. Null values are read as NaN.
 */
public final class ParquetColumns {
    private ParquetColumns() {
    }

    /**
     * The named columns of every row, in file order (part files sorted by name).
     *
     * @throws IllegalArgumentException if the path has no Parquet file, or a column is missing
     *                                  or not numeric
     */
    public static Map<String, double[]> read(String location, List<String> columns) {
        Configuration conf = new Configuration();
        Path path = new Path(location);
        List<Path> files = new ArrayList<>();
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                throw new IllegalArgumentException("Parquet table " + location + " does not exist");
            }
            if (fs.getFileStatus(path).isDirectory()) {
                FileStatus[] parts = fs.listStatus(path, p -> p.getName().endsWith(".parquet"));
                Arrays.sort(parts);
                for (FileStatus part : parts) {
                    files.add(part.getPath());
                }
            } else {
                files.add(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + location, e);
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("Parquet table " + location + " has no .parquet file");
        }
        List<List<Double>> values = new ArrayList<>();
        columns.forEach(c -> values.add(new ArrayList<>()));
        for (Path file : files) {
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf)
                    .build()) {
                for (Group row = reader.read(); row != null; row = reader.read()) {
                    for (int c = 0; c < columns.size(); c++) {
                        values.get(c).add(value(row, columns.get(c), file));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        Map<String, double[]> result = new LinkedHashMap<>();
        for (int c = 0; c < columns.size(); c++) {
            result.put(columns.get(c), values.get(c).stream().mapToDouble(Double::doubleValue).toArray());
        }
        return result;
    }

    private static double value(Group row, String column, Path file) {
        GroupType schema = row.getType();
        if (!schema.containsField(column)) {
            throw new IllegalArgumentException("column \"" + column + "\" is missing in " + file + "; it has "
                    + schema.getFields().stream().map(Type::getName).toList());
        }
        if (row.getFieldRepetitionCount(column) == 0) {
            return Double.NaN;
        }
        Type type = schema.getType(column);
        if (!type.isPrimitive()) {
            throw new IllegalArgumentException("column \"" + column + "\" in " + file + " must be numeric but is " + type);
        }
        return switch (type.asPrimitiveType().getPrimitiveTypeName()) {
            case DOUBLE -> row.getDouble(column, 0);
            case FLOAT -> row.getFloat(column, 0);
            case INT32 -> row.getInteger(column, 0);
            case INT64 -> row.getLong(column, 0);
            default -> throw new IllegalArgumentException("column \"" + column + "\" in " + file
                    + " must be numeric but is " + type);
        };
    }
}
