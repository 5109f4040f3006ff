package dev.attnspark.job.checkpoint;

import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.model.CopyObjectRequest;
import org.apache.hadoop.fs.s3a.DefaultS3ClientFactory;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * S3A's own S3 client, except that the JVM dies, as with kill -9 ({@link Runtime#halt}), when S3A is about to copy
 * an object to a key matching {@value #BEFORE_COPY_TO}: a writer killed at a chosen point of S3A's rename, which
 * copies object by object. It first lets {@value #AFTER_COPIES} other copies complete (S3A runs a rename's copies in
 * parallel). For {@code fs.s3a.s3.client.factory.impl} in a child JVM.
 */
public class HaltingS3ClientFactory extends DefaultS3ClientFactory {
    public static final String BEFORE_COPY_TO = "attnspark.test.s3.halt-before-copy-to";
    public static final String AFTER_COPIES = "attnspark.test.s3.halt-after-copies";

    private final List<String> copied = new CopyOnWriteArrayList<>();

    @Override
    public AmazonS3 createS3Client(URI uri, S3ClientCreationParameters parameters) throws IOException {
        AmazonS3 s3 = super.createS3Client(uri, parameters);
        Pattern haltAt = Pattern.compile(getConf().get(BEFORE_COPY_TO));
        int after = getConf().getInt(AFTER_COPIES, 0);
        return (AmazonS3) Proxy.newProxyInstance(AmazonS3.class.getClassLoader(), new Class<?>[] {AmazonS3.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("copyObject") && args != null && args.length == 1
                            && args[0] instanceof CopyObjectRequest r) {
                        if (haltAt.matcher(r.getDestinationKey()).matches()) {
                            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                            while (copied.size() < after && System.nanoTime() < deadline) {
                                Thread.sleep(5);
                            }
                            System.out.println("halting before copying " + r.getDestinationKey() + "; copied "
                                    + copied);
                            System.out.flush();
                            Runtime.getRuntime().halt(137);
                        }
                        Object result = invoke(s3, method, args);
                        copied.add(r.getDestinationKey());
                        return result;
                    }
                    return invoke(s3, method, args);
                });
    }

    private static Object invoke(AmazonS3 s3, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(s3, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
