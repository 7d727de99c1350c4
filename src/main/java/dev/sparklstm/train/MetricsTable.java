package dev.sparklstm.train;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The {@code metrics/} Parquet table: one row per epoch. */
public final class MetricsTable {
    /** Schema of the metrics table. */
    public static final StructType SCHEMA = new StructType()
            .add("epoch", DataTypes.IntegerType, false)
            .add("train_loss", DataTypes.DoubleType, false)
            .add("validation_loss", DataTypes.DoubleType, true)
            .add("validation_accuracy", DataTypes.DoubleType, true)
            .add("validation_rmse", DataTypes.DoubleType, true)
            .add("validation_mae", DataTypes.DoubleType, true)
            .add("steps_per_second", DataTypes.DoubleType, false)
            .add("epoch_seconds", DataTypes.DoubleType, false)
            .add("elapsed_seconds", DataTypes.DoubleType, false);

    private MetricsTable() {
    }

    static void write(SparkSession spark, List<EpochMetrics> epochs, String path) {
        List<Row> rows = new ArrayList<>();
        for (EpochMetrics m : epochs) {
            rows.add(RowFactory.create(m.epoch(), m.trainLoss(), m.validationLoss(), m.validationAccuracy(),
                    m.validationRmse(), m.validationMae(), m.stepsPerSecond(), m.epochSeconds(), m.elapsedSeconds()));
        }
        spark.createDataFrame(rows, SCHEMA).coalesce(1).write().parquet(path);
    }
}
