package dev.attnspark.job.train.strategy;

import org.nd4j.parameterserver.distributed.v2.transport.PortSupplier;

/**
 * The UDP port of DL4J's Aeron transport, on the driver and on every executor. DL4J's own {@code StaticPortSupplier}
 * ignores the port it is given (1.0.0-M2 never stores the constructor argument), so every node would use 49876
 * whatever {@code spark.port} says. A plain class, not a record: Spark broadcasts it with Kryo, which cannot build
 * records.
 */
final class AeronPort implements PortSupplier {
    private int port;

    AeronPort(int port) {
        this.port = port;
    }

    @SuppressWarnings("unused") // for Kryo
    private AeronPort() {}

    @Override
    public int getPort() {
        return port;
    }
}
