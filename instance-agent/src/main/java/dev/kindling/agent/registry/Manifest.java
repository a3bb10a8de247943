package dev.kindling.agent.registry;

import java.util.List;

/** An image manifest resolved to one platform: its own digest, its config blob and its layers, in order. */
public record Manifest(Digest digest, String mediaType, Descriptor config, List<Descriptor> layers) {

    public Manifest {
        layers = List.copyOf(layers);
    }

    /** Every blob the image needs: the config, then the layers. */
    public List<Descriptor> blobs() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(config), layers.stream()).toList();
    }

    public long totalBytes() {
        return blobs().stream().mapToLong(Descriptor::size).sum();
    }
}
