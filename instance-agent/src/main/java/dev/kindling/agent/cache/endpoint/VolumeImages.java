package dev.kindling.agent.cache.endpoint;

import dev.kindling.agent.image.LayerUnpacker;
import dev.kindling.agent.image.MountedImages;
import dev.kindling.agent.image.TreeDigest;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.protocol.CopyStartup;
import dev.kindling.agent.protocol.CopyStartup.CacheFault;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.registry.RegistryClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Images unpacked on an endpoint cache volume: the builder unpacks each image once into the volume
 * ({@link #unpackInto}), and a copy on an instance the volume is granted to uses that root filesystem where it lies
 * ({@link InPlace}), as SageMaker's image cache lets a new instance start with the image already in its container
 * storage.
 */
public final class VolumeImages {

    private VolumeImages() {}

    /** An image unpacked on a volume: its root filesystem relative to the volume root, and its tree digest. */
    public record Unpacked(String rootfs, Digest treeDigest) {}

    /** Where an image's root filesystem lies on a volume, relative to its root. */
    public static String rootfs(Digest manifestDigest) {
        return "images/" + manifestDigest.hex() + "/rootfs";
    }

    /**
     * Unpacks the image of {@code manifest} into {@code images/<manifest hex>/rootfs} of the volume at
     * {@code volumeRoot}, from its layers already on the volume under {@code blobs/sha256/} and verified there. The
     * tree is assembled beside its place and moved in whole, replacing what an earlier build left; writes are not
     * paced (the builder is not an emulated instance).
     */
    public static Unpacked unpackInto(Path volumeRoot, Manifest manifest) throws IOException {
        String relative = rootfs(manifest.digest());
        Path rootfs = volumeRoot.resolve(relative);
        Path partial = rootfs.resolveSibling("rootfs.partial");
        FileTrees.delete(partial);
        FileTrees.delete(rootfs);
        Files.createDirectories(partial);
        for (Descriptor layer : manifest.layers()) {
            Path blob = volumeRoot.resolve("blobs/sha256").resolve(layer.digest().hex());
            if (!Files.isRegularFile(blob)) {
                throw new IOException("layer " + layer.digest() + " of " + manifest.digest() + " is not on the volume at " + blob);
            }
            LayerUnpacker.apply(blob, partial, Throughput.UNLIMITED);
        }
        FileTrees.move(partial, rootfs);
        return new Unpacked(relative, TreeDigest.of(rootfs));
    }

    /**
     * The images of the volume granted now, used in place: one the volume lists unpacked, whose tree still has the
     * listed digest. A tree that differs is a {@code corrupt} fault, one that is not there a {@code missing} one, each
     * naming the tree's path as listed; the copy then takes the image blob by blob through the tiers.
     */
    public static final class InPlace implements MountedImages {

        private final EndpointCaches caches;

        InPlace(EndpointCaches caches) {
            this.caches = caches;
        }

        private VolumeContent.Index listed(EndpointVolume volume) {
            return volume != null && volume.state() instanceof EndpointVolume.State.Listed l ? l.index() : null;
        }

        @Override
        public Lookup find(Manifest manifest) {
            EndpointVolume volume = caches.images();
            VolumeContent.Index index = listed(volume);
            VolumeContent.Image image = index == null ? null : index.unpackedByManifest().get(manifest.digest().toString());
            if (image == null) return new Lookup.NotThere(List.of(), List.of());
            EndpointVolume.Verdict verdict = volume.verify(image.rootfs(), image.treeDigest(), caches::checked);
            if (verdict.intact()) {
                return new Lookup.Found(volume.tree(image.rootfs()), EndpointCaches.IMAGE_TIER, volume.generation(),
                        verdict.nanos());
            }
            CacheFault fault = new CacheFault(CopyStartup.IMAGE, EndpointCaches.IMAGE_TIER, verdict.kind(), image.rootfs(),
                    volume.generation(), verdict.detail());
            return new Lookup.NotThere(List.of(fault), List.of(EndpointCaches.IMAGE_TIER + ": the unpacked image "
                    + manifest.digest() + " at " + image.rootfs() + " of " + volume.location() + " cannot be used ("
                    + verdict.kind() + ": " + verdict.detail() + "); taking its blobs through the tiers"));
        }

        @Override
        public Optional<Manifest> manifest(String reference) {
            EndpointVolume volume = caches.images();
            VolumeContent.Index index = listed(volume);
            VolumeContent.Image image = index == null ? null : index.unpackedBySource().get(reference);
            if (image == null) return Optional.empty();
            try {
                Digest listed = Digest.parse(image.manifestDigest());
                byte[] bytes = Files.readAllBytes(volume.root().resolve("blobs/sha256").resolve(listed.hex()));
                Manifest m = RegistryClient.manifestOf(bytes);
                return m.digest().equals(listed) ? Optional.of(m) : Optional.empty();
            } catch (IOException | RuntimeException e) {
                return Optional.empty(); // no usable manifest: the start fails as it would have without the volume
            }
        }

        @Override
        public boolean holds(Digest manifestDigest) {
            EndpointVolume volume = caches.images();
            VolumeContent.Index index = listed(volume);
            VolumeContent.Image image = index == null ? null : index.unpackedByManifest().get(manifestDigest.toString());
            if (image == null) return false;
            EndpointVolume.Verdict v = volume.verdict(image.rootfs());
            return v != null && v.intact();
        }

        @Override
        public long changes() {
            return caches.changes();
        }
    }

}
