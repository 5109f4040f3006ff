package dev.attnspark.job.testing;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real S3-compatible server on 127.0.0.1 for tests: S3Proxy (its self-contained jar, which Maven copies to
 * {@code job/target/s3proxy/}) in a child JVM, keeping the objects in its memory. It lives at most
 * {@code maxLifetimeS} (the child runs under coreutils' {@code timeout}), and is killed on {@link #close()} and at
 * JVM exit.
 */
public final class S3Server implements AutoCloseable {
    /** Static test credentials: any other key is refused with 403. */
    public static final String ACCESS_KEY = "AKIATESTS3ACCESSKEY";
    public static final String SECRET_KEY = "s3test-SECRET-2b7e151628aed2a6abf7158809cf4f3c";

    private final Process process;
    private final int port;
    private final Path log;
    private final Thread reaper;

    private S3Server(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.reaper = new Thread(this::kill, "s3proxy-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /** Starts the server (objects in its memory) with its configuration and log in {@code dir}. */
    public static S3Server start(Path dir, int maxLifetimeS) throws IOException, InterruptedException {
        String jar = System.getProperty("s3proxy.jar", "target/s3proxy/s3proxy.jar");
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException(jar + " is missing: mvn process-test-resources copies S3Proxy there");
        }
        Files.createDirectories(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path props = dir.resolve("s3proxy.conf");
        Files.writeString(props, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                // jclouds' in-memory store: keys are flat, as in S3. (Its filesystem backends answer a HEAD of
                // "a" with 200 once "a/b" exists, a folder on disk, and S3A then takes the folder for a file.)
                "jclouds.provider=transient") + "\n");
        Path log = dir.resolve("s3proxy.log");
        Process p = new ProcessBuilder(List.of("timeout", "--signal=KILL", Integer.toString(maxLifetimeS),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-DLOG_LEVEL=warn", "-DJETTY_LOG_LEVEL=warn",
                "-Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener", "-jar", jar, "--properties", props.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3Server server = new S3Server(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                server.close();
                throw new IllegalStateException("S3Proxy exited with " + p.exitValue() + "; log: "
                        + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return server;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        server.close();
        throw new IllegalStateException("S3Proxy did not listen on " + port + " within 60 s; log in " + log);
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public Path log() {
        return log;
    }

    /**
     * The S3A settings for this server, without the {@code spark.hadoop.} prefix: endpoint, path-style access, plain
     * HTTP, the static test keys through S3A's simple credentials provider, and few retries (a broken test fails fast).
     */
    public Map<String, String> s3aSettings() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("fs.s3a.endpoint", endpoint());
        m.put("fs.s3a.endpoint.region", "us-east-1");
        m.put("fs.s3a.path.style.access", "true");
        m.put("fs.s3a.connection.ssl.enabled", "false");
        m.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        m.put("fs.s3a.access.key", ACCESS_KEY);
        m.put("fs.s3a.secret.key", SECRET_KEY);
        m.put("fs.s3a.attempts.maximum", "2");
        m.put("fs.s3a.retry.limit", "2");
        m.put("fs.s3a.retry.interval", "100ms");
        return m;
    }

    /** A Hadoop configuration with {@link #s3aSettings()}. */
    public Configuration hadoopConf() {
        Configuration conf = new Configuration();
        s3aSettings().forEach(conf::set);
        return conf;
    }

    /** Kills the server JVM and then {@code timeout} (which cannot pass a SIGKILL of its own on). */
    private void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    @Override
    public void close() {
        kill();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    /** Fails with the server's log if it is no longer running. */
    public void checkAlive() {
        if (!process.isAlive()) {
            try {
                throw new IllegalStateException("S3Proxy is gone; log: " + Files.readString(log));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
