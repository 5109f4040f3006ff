package dev.attnspark.job.config;

/** A configuration problem; the message names the key (as on the command line) and what is wrong with it. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
