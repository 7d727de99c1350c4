package dev.sparklstm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossCurvePlotTest {

    @TempDir
    Path dir;

    private static final double[] EPOCHS = {1, 2, 3, 4, 5, 6};
    private static final double[] FALLING = {0.17, 0.16, 0.05, 0.01, 0.004, 0.002};
    private static final double[] FLAT = {0.3, 0.31, 0.29, 0.3, 0.3, 0.3};

    private static LossCurvePlot.Plot plot() {
        return LossCurvePlot.render("adding problem", "epoch", "validation MSE", List.of(
                new LossCurvePlot.Panel("T = 50", List.of(new LossCurvePlot.Curve("lstm", EPOCHS, FALLING),
                        new LossCurvePlot.Curve("rnn", EPOCHS, FLAT))),
                new LossCurvePlot.Panel("T = 100", List.of(new LossCurvePlot.Curve("rnn", EPOCHS, FALLING)))),
                List.of(new LossCurvePlot.Line("constant", 0.167), new LossCurvePlot.Line("target", 0.01)));
    }

    @Test
    void writesAPngOfTwoPanelsWithTheCurvesAtTheirPoints() throws Exception {
        LossCurvePlot.Plot plot = plot();
        File file = dir.resolve("curves.png").toFile();
        LossCurvePlot.write(plot, file);
        BufferedImage image = ImageIO.read(file);
        assertEquals(2 * LossCurvePlot.PANEL_WIDTH, image.getWidth());
        assertEquals(LossCurvePlot.TITLE_HEIGHT + LossCurvePlot.PANEL_HEIGHT + LossCurvePlot.LEGEND_HEIGHT,
                image.getHeight());
        // Whole decades around the data and the lines: 0.002 .. 0.17 -> 0.001 .. 1.
        assertEquals(0.001, plot.yLow(), 1e-12);
        assertEquals(1.0, plot.yHigh(), 1e-12);
        Color lstm = LossCurvePlot.PALETTE.get(0);
        Color rnn = LossCurvePlot.PALETTE.get(1);
        for (int i = 0; i < EPOCHS.length; i++) {
            // Each point's marker centre has its curve's colour; "rnn" keeps its colour in panel 2.
            assertEquals(lstm.getRGB(), image.getRGB(plot.pixelX(0, EPOCHS[i]), plot.pixelY(FALLING[i])), "lstm point " + i);
            assertEquals(rnn.getRGB(), image.getRGB(plot.pixelX(1, EPOCHS[i]), plot.pixelY(FALLING[i])), "rnn point " + i);
        }
        // Log scale: 0.01 is two thirds of the way down from 1 to 0.001.
        int top = plot.pixelY(1.0);
        int bottom = plot.pixelY(0.001);
        assertEquals(top + 2.0 / 3 * (bottom - top), plot.pixelY(0.01), 1.0);
        // No curve in panel 2 between epochs 0 and 1 (it starts at epoch 1), high up: background.
        int x = (plot.pixelX(1, 0) + plot.pixelX(1, 1)) / 2 + 3;
        assertEquals(LossCurvePlot.BACKGROUND.getRGB(), image.getRGB(x, plot.pixelY(0.5) + 3));
    }

    @Test
    void refusesAReferenceLineAtZeroOnALogScale() {
        assertThrows(IllegalArgumentException.class, () -> new LossCurvePlot.Line("zero", 0.0));
    }

    @Test
    void regressionErrorsSkipUnlabelledRows() {
        RegressionErrors.Errors errors = RegressionErrors.of(new double[] {1.0, 2.0, Double.NaN},
                new double[] {1.5, 1.0, 7.0}, 1.0);
        assertEquals(2, errors.rows());
        assertEquals((0.25 + 1.0) / 2, errors.mse(), 1e-12);
        assertEquals((0.5 + 1.0) / 2, errors.mae(), 1e-12);
        assertEquals((0.0 + 1.0) / 2, errors.constantMse(), 1e-12);
    }
}
