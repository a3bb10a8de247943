package dev.kindling.api.registry;

import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.RegistryClient;
import dev.kindling.api.registry.internal.RandomLayer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds an image of a chosen shape straight into the embedded registry, for demos and benchmarks that need
 * real bytes to pull and no external tool: each layer an uncompressed tar holding one file of pseudo-random
 * bytes of the asked size, an OCI config and an OCI manifest. The same sizes and seed give the same digests.
 */
public final class ImageGenerator {

    public static final String LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar";
    public static final String CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RegistryStore store;

    public ImageGenerator(RegistryStore store) {
        this.store = store;
    }

    /** Generates and tags the image; sizes are those of each layer's file (the tar adds headers). */
    public ImportedImage generate(ImageName name, List<Long> layerSizes, long seed) throws IOException {
        long started = System.nanoTime();
        List<Descriptor> layers = new ArrayList<>();
        for (int i = 0; i < layerSizes.size(); i++) {
            try (RegistryStore.BlobWriter w = store.newBlob()) {
                RandomLayer.write(w.stream(), i, layerSizes.get(i), seed);
                layers.add(w.commit(LAYER_MEDIA_TYPE, null, -1));
            }
        }
        Descriptor config = store.writeBlob(CONFIG_MEDIA_TYPE, JSON.writeValueAsBytes(config(layers, seed)), null);
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", RegistryClient.OCI_MANIFEST);
        manifest.put("config", descriptor(config));
        manifest.put("layers", layers.stream().map(ImageGenerator::descriptor).toList());
        Descriptor m = store.writeBlob(RegistryClient.OCI_MANIFEST, JSON.writeValueAsBytes(manifest), null);
        List<Descriptor> blobs = new ArrayList<>(layers);
        blobs.addFirst(config);
        store.publish(name.repository(), name.tag(), blobs, List.of(m));
        long bytes = blobs.stream().mapToLong(Descriptor::size).sum();
        return new ImportedImage(name.repository(), name.tag(), m.digest().toString(), m.mediaType(), blobs.size(), bytes,
                bytes, (System.nanoTime() - started) / 1e9);
    }

    /** An OCI image config: linux/amd64, the layers' diff ids (uncompressed, so their digests), the seed as a label. */
    private static Map<String, Object> config(List<Descriptor> layers, long seed) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architecture", "amd64");
        c.put("os", "linux");
        c.put("config", Map.of("Labels", Map.of("dev.kindling.generated.seed", Long.toString(seed))));
        Map<String, Object> rootfs = new LinkedHashMap<>(); // ordered: Map.of's order changes from run to run
        rootfs.put("type", "layers");
        rootfs.put("diff_ids", layers.stream().map(l -> l.digest().toString()).toList());
        c.put("rootfs", rootfs);
        return c;
    }

    private static Map<String, Object> descriptor(Descriptor d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mediaType", d.mediaType());
        m.put("digest", d.digest().toString());
        m.put("size", d.size());
        return m;
    }
}
