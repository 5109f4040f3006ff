package dev.attnspark.datasets.io;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

/** A Hadoop {@link Configuration} that travels to executors with a task (Hadoop's own Writable form). */
public final class SerializableConfiguration implements Serializable {
    private static final long serialVersionUID = 1L;
    private transient Configuration value;

    public SerializableConfiguration(Configuration value) {
        this.value = value;
    }

    public Configuration get() {
        return value;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        value.write(out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        value = new Configuration(false);
        value.readFields(in);
    }
}
