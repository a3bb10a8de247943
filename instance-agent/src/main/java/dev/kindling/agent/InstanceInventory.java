package dev.kindling.agent;

import dev.kindling.agent.artifact.Artifact;
import dev.kindling.agent.artifact.ArtifactKey;
import dev.kindling.agent.artifact.ArtifactStore;
import dev.kindling.agent.cache.MountedModels;
import dev.kindling.agent.image.InstanceImages;
import dev.kindling.agent.internal.Json;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.agent.protocol.CacheInventory;
import dev.kindling.agent.registry.Descriptor;
import dev.kindling.agent.registry.Digest;
import dev.kindling.agent.registry.Manifest;
import dev.kindling.agent.store.BlobStore;
import dev.kindling.agent.store.DiskBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this instance holds complete, by the names copies asked for: an image by its reference as a copy named it
 * (complete while every blob is in the store, or the image is unpacked; its bytes are its blobs'), a model by its
 * artifact URL (complete while the store holds the artifact the URL last resolved to). Placement ranks instances by
 * it. It is computed again only when the disk budget's entries or the names change, and the names are kept in
 * {@code inventory.json} so a restarted agent still reports what its disk holds.
 */
final class InstanceInventory {

    private static final Logger log = LoggerFactory.getLogger(InstanceInventory.class);

    record HeldImage(String manifestDigest, List<String> blobs, long bytes) {}

    record HeldModel(String key, long bytes) {}

    record Names(Map<String, HeldImage> images, Map<String, HeldModel> models) {
        Names {
            images = images == null ? new TreeMap<>() : new TreeMap<>(images);
            models = models == null ? new TreeMap<>() : new TreeMap<>(models);
        }
    }

    private final Path file;
    private final BlobStore blobs;
    private final InstanceImages images;
    private final ArtifactStore models;
    private final DiskBudget budget;
    private final MountedModels mountedModels;
    private final Names names;
    private long namesChanged;
    private long computedAtBudget = -1;
    private long computedAtNames = -1;
    private long computedAtMounted = -1;
    private CacheInventory computed = CacheInventory.EMPTY;

    InstanceInventory(Path file, BlobStore blobs, InstanceImages images, ArtifactStore models, DiskBudget budget) {
        this(file, blobs, images, models, budget, MountedModels.NONE);
    }

    /** An inventory that also counts images and models used in place from a mounted volume: they are on the instance. */
    InstanceInventory(Path file, BlobStore blobs, InstanceImages images, ArtifactStore models, DiskBudget budget,
                      MountedModels mountedModels) {
        this.mountedModels = mountedModels;
        this.file = file;
        this.blobs = blobs;
        this.images = images;
        this.models = models;
        this.budget = budget;
        this.names = read(file);
    }

    private static Names read(Path file) {
        try {
            if (Files.isRegularFile(file)) return Json.read(Files.readString(file), Names.class);
        } catch (IOException | RuntimeException e) {
            log.atWarn().addKeyValue("file", file).log("Ignoring an unreadable inventory of names: {}", e.toString());
        }
        return new Names(null, null);
    }

    /** A copy asked for {@code reference}, which resolved to {@code manifest}. */
    synchronized void image(String reference, Manifest manifest) {
        List<String> digests = manifest.blobs().stream().map(d -> d.digest().toString()).toList();
        HeldImage held = new HeldImage(manifest.digest().toString(), digests,
                manifest.blobs().stream().mapToLong(Descriptor::size).sum());
        if (!held.equals(names.images().put(reference, held))) changed();
    }

    /** A copy asked for the model at {@code artifactUrl}, which is {@code artifact}. */
    synchronized void model(String artifactUrl, Artifact artifact) {
        HeldModel held = new HeldModel(artifact.key().hex(), artifact.bytes());
        if (!held.equals(names.models().put(artifactUrl, held))) changed();
    }

    private void changed() {
        namesChanged++;
        try {
            Files.createDirectories(file.getParent());
            FileTrees.writeAtomically(file, Json.write(names));
        } catch (IOException e) {
            log.atWarn().addKeyValue("file", file).log("Cannot keep the inventory of names; a restart reports less: {}", e.toString());
        }
    }

    synchronized CacheInventory inventory() {
        long budgetNow = budget.changes();
        long mountedNow = images.mountedChanges() + mountedModels.changes();
        if (budgetNow == computedAtBudget && namesChanged == computedAtNames && mountedNow == computedAtMounted) {
            return computed;
        }
        List<CacheInventory.Held> heldImages = new ArrayList<>();
        names.images().forEach((reference, image) -> {
            if (complete(image)) heldImages.add(new CacheInventory.Held(reference, image.bytes()));
        });
        List<CacheInventory.Held> heldModels = new ArrayList<>();
        names.models().forEach((url, model) -> {
            ArtifactKey key = new ArtifactKey(model.key());
            Optional<Long> bytes = models.held(key).map(a -> a.bytes());
            if (bytes.isEmpty() && mountedModels.holds(key)) bytes = Optional.of(model.bytes());
            bytes.ifPresent(b -> heldModels.add(new CacheInventory.Held(url, b)));
        });
        computed = new CacheInventory(heldImages, heldModels);
        computedAtBudget = budgetNow;
        computedAtNames = namesChanged;
        computedAtMounted = mountedNow;
        return computed;
    }

    private boolean complete(HeldImage image) {
        Digest manifest = Digest.parse(image.manifestDigest());
        if (images.isUnpacked(manifest) || images.isMounted(manifest)) return true;
        return image.blobs().stream().allMatch(d -> blobs.holds(Digest.parse(d)));
    }
}
