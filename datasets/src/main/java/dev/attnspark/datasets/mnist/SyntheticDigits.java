package dev.attnspark.datasets.mnist;

import dev.attnspark.datasets.idx.IdxWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Arc2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a small, learnable MNIST look-alike as real IDX files: digits drawn as pen strokes with Java2D (no fonts
 * needed), each with its own stroke jitter, pen width, slant, rotation, scale, shift and pixel noise. For tests and
 * the quick-start example; the same reader then reads real MNIST.
 */
public final class SyntheticDigits {
    private static final int SIZE = Mnist.ROWS;

    private SyntheticDigits() {}

    /**
     * Writes {@code train-*} and {@code t10k-*} image and label files (gzipped, as MNIST is distributed) into
     * {@code dir} on any Hadoop file system. Classes are balanced; a file appears only once completely written.
     */
    public static void write(String dir, int trainCount, int testCount, long seed, Configuration conf)
            throws IOException {
        Random rnd = new Random(seed);
        writeSplit(dir, Mnist.Split.TRAIN, trainCount, rnd, conf);
        writeSplit(dir, Mnist.Split.TEST, testCount, rnd, conf);
    }

    private static void writeSplit(String dir, Mnist.Split split, int count, Random rnd, Configuration conf)
            throws IOException {
        byte[] images = new byte[count * SIZE * SIZE];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            int digit = i % 10;
            labels[i] = (byte) digit;
            System.arraycopy(render(digit, rnd), 0, images, i * SIZE * SIZE, SIZE * SIZE);
        }
        shuffle(images, labels, rnd);
        writeAtomically(new Path(dir, split.imagesName() + ".gz"), new int[] {count, SIZE, SIZE}, images, conf);
        writeAtomically(new Path(dir, split.labelsName() + ".gz"), new int[] {count}, labels, conf);
    }

    private static void writeAtomically(Path target, int[] dims, byte[] data, Configuration conf) throws IOException {
        FileSystem fs = target.getFileSystem(conf);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (OutputStream out = new GZIPOutputStream(fs.create(tmp, true), 1 << 16)) {
            IdxWriter.write(out, dims, data);
        }
        fs.delete(target, false);
        if (!fs.rename(tmp, target)) {
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
    }

    private static void shuffle(byte[] images, byte[] labels, Random rnd) {
        int n = labels.length, s = SIZE * SIZE;
        byte[] tmp = new byte[s];
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            byte l = labels[i];
            labels[i] = labels[j];
            labels[j] = l;
            System.arraycopy(images, i * s, tmp, 0, s);
            System.arraycopy(images, j * s, images, i * s, s);
            System.arraycopy(tmp, 0, images, j * s, s);
        }
    }

    /** One 28×28 grayscale digit (0 background, 255 ink, as MNIST). */
    public static byte[] render(int digit, Random rnd) {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, SIZE, SIZE);
        double box = 17 + rnd.nextDouble() * 5;
        AffineTransform t = new AffineTransform();
        t.translate(SIZE / 2.0 + rnd.nextGaussian() * 1.5, SIZE / 2.0 + rnd.nextGaussian() * 1.5);
        t.rotate(Math.toRadians(rnd.nextGaussian() * 8));
        t.shear(-0.25 + rnd.nextDouble() * 0.4, 0);
        t.scale(box * (0.75 + rnd.nextDouble() * 0.25), box);
        t.translate(-0.5, -0.5);
        g.setColor(Color.WHITE);
        g.setStroke(new BasicStroke((float) (1.6 + rnd.nextDouble() * 1.6), BasicStroke.CAP_ROUND,
                BasicStroke.JOIN_ROUND));
        for (Shape s : strokes(digit, rnd)) {
            g.draw(t.createTransformedShape(s));
        }
        g.dispose();
        byte[] out = new byte[SIZE * SIZE];
        img.getRaster().getDataElements(0, 0, SIZE, SIZE, out);
        for (int i = 0; i < out.length; i++) {
            int v = (out[i] & 0xff) + (int) Math.round(rnd.nextGaussian() * 12);
            if (rnd.nextDouble() < 0.01) {
                v += 120;
            }
            out[i] = (byte) Math.max(0, Math.min(255, v));
        }
        return out;
    }

    /** Pen strokes of a digit in the unit square (y down), with their control points jittered. */
    private static List<Shape> strokes(int digit, Random r) {
        List<Shape> s = new ArrayList<>();
        switch (digit) {
            case 0 -> s.add(new Ellipse2D.Double(j(r, 0.2), j(r, 0.08), 0.6 + j(r, 0), 0.84 + j(r, 0)));
            case 1 -> {
                s.add(poly(r, 0.5, 0.08, 0.5, 0.92));
                s.add(poly(r, 0.32, 0.28, 0.5, 0.08));
            }
            case 2 -> {
                s.add(new Arc2D.Double(j(r, 0.2), j(r, 0.08), 0.6, 0.5, 160, -190, Arc2D.OPEN));
                s.add(poly(r, 0.78, 0.42, 0.2, 0.92, 0.82, 0.92));
            }
            case 3 -> {
                s.add(new Arc2D.Double(j(r, 0.22), j(r, 0.08), 0.55, 0.44, 150, -240, Arc2D.OPEN));
                s.add(new Arc2D.Double(j(r, 0.2), j(r, 0.48), 0.6, 0.44, 90, -240, Arc2D.OPEN));
            }
            case 4 -> s.add(poly(r, 0.66, 0.92, 0.66, 0.08, 0.18, 0.64, 0.84, 0.64));
            case 5 -> {
                s.add(poly(r, 0.78, 0.1, 0.32, 0.1, 0.28, 0.46));
                s.add(new Arc2D.Double(j(r, 0.22), j(r, 0.4), 0.58, 0.52, 140, -260, Arc2D.OPEN));
            }
            case 6 -> {
                Path2D.Double p = new Path2D.Double();
                p.moveTo(0.72 + j(r, 0), 0.1 + j(r, 0));
                p.quadTo(0.3 + j(r, 0), 0.25 + j(r, 0), 0.28 + j(r, 0), 0.66);
                s.add(p);
                s.add(new Ellipse2D.Double(j(r, 0.28), j(r, 0.46), 0.46, 0.44));
            }
            case 7 -> s.add(poly(r, 0.18, 0.1, 0.82, 0.1, 0.42, 0.92));
            case 8 -> {
                s.add(new Ellipse2D.Double(j(r, 0.3), j(r, 0.08), 0.4, 0.38));
                s.add(new Ellipse2D.Double(j(r, 0.25), j(r, 0.46), 0.5, 0.46));
            }
            case 9 -> {
                s.add(new Ellipse2D.Double(j(r, 0.26), j(r, 0.08), 0.48, 0.42));
                s.add(poly(r, 0.74, 0.3, 0.62, 0.92));
            }
            default -> throw new IllegalArgumentException("digit " + digit);
        }
        return s;
    }

    private static Shape poly(Random r, double... xy) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xy[0] + j(r, 0), xy[1] + j(r, 0));
        for (int i = 2; i < xy.length; i += 2) {
            p.lineTo(xy[i] + j(r, 0), xy[i + 1] + j(r, 0));
        }
        return p;
    }

    private static double j(Random r, double v) {
        return v + r.nextGaussian() * 0.035;
    }
}
