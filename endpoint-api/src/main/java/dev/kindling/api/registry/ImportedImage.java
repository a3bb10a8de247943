package dev.kindling.api.registry;

/**
 * An image now in the embedded registry, as an import or a generation left it.
 *
 * @param digest the tagged manifest's (or index's) digest, {@code sha256:...}
 * @param blobs distinct config and layer blobs the image consists of (all platforms of an index)
 * @param bytes their total size
 * @param bytesCopied bytes this operation wrote; less than {@code bytes} when blobs were already there
 * @param seconds how long the operation took
 */
public record ImportedImage(String repository, String tag, String digest, String mediaType, int blobs, long bytes,
                            long bytesCopied, double seconds) {}
