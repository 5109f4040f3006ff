package dev.attnspark.job.config;

/** The {@code data} section for MNIST (perceiver-io's {@code MNISTDataModule} options that apply here). */
public class MnistDataConfig extends DataConfig {
    /** Normalize pixels to [-1, 1] ({@code Normalize(0.5, 0.5)} after {@code ToTensor}). */
    public boolean normalize = true;
    /** Channels-last images [28, 28, 1], as the Perceiver's image input adapter expects. */
    public boolean channelsLast = true;

    @Override
    public void validate() {
        super.validate();
        if (!"mnist".equals(dataset)) {
            throw new ConfigException("data.dataset must be mnist for this task, got " + dataset);
        }
        if (!channelsLast) {
            throw new ConfigException("data.channels_last=false is not supported: the image input adapter reads "
                    + "channels-last images");
        }
    }
}
