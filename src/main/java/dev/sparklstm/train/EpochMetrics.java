package dev.sparklstm.train;

import java.io.Serializable;

/**
 * The figures of one epoch. Validation figures are null when there is no validation split;
 * accuracy is null for regression, RMSE and MAE are null for classification.
 *
 * @param epoch              1-based epoch number
 * @param trainLoss          mean loss over the training split after the epoch
 * @param validationLoss     mean loss over the validation split
 * @param validationAccuracy fraction of correctly classified (unmasked) steps or sequences
 * @param validationRmse     root mean squared error, averaged over targets
 * @param validationMae      mean absolute error, averaged over targets
 * @param stepsPerSecond     training sequence-steps per second of the epoch's fit
 * @param epochSeconds       wall time of the epoch (fit and evaluation)
 * @param elapsedSeconds     wall time since training started
 */
public record EpochMetrics(int epoch, double trainLoss, Double validationLoss, Double validationAccuracy,
                           Double validationRmse, Double validationMae, double stepsPerSecond,
                           double epochSeconds, double elapsedSeconds) implements Serializable {
}
