package dev.attnspark.datasets.text;

import java.io.Serializable;

/**
 * Where a training stream stands: its {@code shard}-th shard of the epoch (counted within the stream) and the
 * {@code offset} chunks already taken from it. A plain class, not a record (Spark's Kryo 4).
 */
public final class StreamPosition implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final StreamPosition START = new StreamPosition(0, 0);
    private final int shard;
    private final long offset;

    public StreamPosition(int shard, long offset) {
        this.shard = shard;
        this.offset = offset;
    }

    public int shard() {
        return shard;
    }

    public long offset() {
        return offset;
    }

    /** {@code shard:offset}, as checkpoints record it. */
    @Override
    public String toString() {
        return shard + ":" + offset;
    }

    public static StreamPosition parse(String s) {
        int colon = s.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("a stream position is shard:offset, got " + s);
        }
        return new StreamPosition(Integer.parseInt(s.substring(0, colon)), Long.parseLong(s.substring(colon + 1)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StreamPosition p && p.shard == shard && p.offset == offset;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(shard * 1_000_003L + offset);
    }
}
