package dev.attnspark.datasets.mnist;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Executors read their own shards of the IDX files, from the local file system and from HDFS. */
class MnistRddTest {
    static JavaSparkContext sc;

    @BeforeAll
    static void spark() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("mnist-rdd-test")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    private static void assertShardsCoverTheSplit(Mnist.SplitFiles files, Configuration conf, int partitions) {
        var rdd = Mnist.rdd(sc, files, partitions);
        assertEquals(partitions, rdd.getNumPartitions());
        List<ImageExample> all = rdd.collect().stream().sorted(Comparator.comparingInt(ImageExample::index)).toList();
        List<ImageExample> direct = Mnist.read(files, conf, 0, files.size());
        assertEquals(files.size(), all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i, all.get(i).index());
            assertEquals(direct.get(i).label(), all.get(i).label());
            assertArrayEquals(direct.get(i).pixels(), all.get(i).pixels());
        }
    }

    @Test
    void localShards(@TempDir Path dir) throws Exception {
        Configuration conf = new Configuration();
        SyntheticDigits.write(dir.toString(), 301, 40, 2, conf);
        assertShardsCoverTheSplit(Mnist.open(dir.toString(), Mnist.Split.TRAIN, conf), conf, 3);
        assertShardsCoverTheSplit(Mnist.open("file://" + dir, Mnist.Split.TEST, conf), conf, 4);
    }

    @Test
    void hdfsShards(@TempDir Path base) throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(base.toFile(), "dfs").getAbsolutePath());
        MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        try {
            String dir = cluster.getFileSystem().getUri() + "/datasets/mnist";
            SyntheticDigits.write(dir, 120, 30, 3, conf);
            assertShardsCoverTheSplit(Mnist.open(dir, Mnist.Split.TRAIN, conf), conf, 3);
        } finally {
            cluster.shutdown();
        }
    }
}
