package dev.kindling.agent.cache.volume;

/** A cache volume that could not be built; the message names the image or model, and why. */
public final class CacheVolumeException extends RuntimeException {

    public CacheVolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
