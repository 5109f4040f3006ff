package dev.attnspark.datasets;

/** Bad input data: the message names the file and the problem, in one sentence a user can act on. */
public class DatasetException extends RuntimeException {
    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
