package dev.attnspark.datasets.text;

import dev.attnspark.datasets.DatasetException;
import dev.attnspark.datasets.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.ZipException;

/**
 * The lines of a UTF-8 text file (gzip-compressed or not), each with its newline, read lazily. Decoding is strict:
 * invalid UTF-8, a truncated or corrupt gzip stream are errors naming the file and the line.
 */
public final class Utf8Lines implements Iterator<String> {
    private final String file;
    private final InputStream in;
    private final boolean blankLinesEmpty;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(1 << 12);
    private long lineNumber;
    private String next;
    private boolean done;

    private Utf8Lines(String file, InputStream in, boolean blankLinesEmpty) {
        this.file = file;
        this.in = in;
        this.blankLinesEmpty = blankLinesEmpty;
    }

    /**
     * @param blankLinesEmpty a line of only whitespace gives {@code ""}, as Hugging Face's {@code wikitext} builder
     *                        yields it (otherwise every line is itself plus {@code "\n"})
     */
    public static Iterator<String> read(String file, Configuration conf, boolean blankLinesEmpty) {
        try {
            return new Utf8Lines(file, HadoopFiles.openMaybeGzipped(new Path(file), conf), blankLinesEmpty);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot open the file (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public boolean hasNext() {
        if (next == null && !done) {
            next = readLine();
        }
        return next != null;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        String s = next;
        next = null;
        return s;
    }

    private String readLine() {
        line.reset();
        try {
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                line.write(b);
            }
            if (b < 0 && line.size() == 0) {
                done = true;
                in.close();
                return null;
            }
        } catch (EOFException e) {
            throw new DatasetException(file + ": the gzip stream ends early (truncated file?) in line "
                    + (lineNumber + 1), e);
        } catch (ZipException e) {
            throw new DatasetException(file + ": corrupt gzip data in line " + (lineNumber + 1) + " ("
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": read error in line " + (lineNumber + 1), e);
        }
        lineNumber++;
        String text;
        try {
            text = decoder.decode(ByteBuffer.wrap(line.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new DatasetException(file + ": line " + lineNumber + " is not valid UTF-8 (" + e.getMessage() + ")");
        }
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        return blankLinesEmpty && text.isBlank() ? "" : text + "\n";
    }
}
