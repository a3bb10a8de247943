package dev.kindling.api.caches;

import dev.kindling.agent.cache.volume.CacheVolumeBuilder;
import dev.kindling.agent.cache.volume.CacheVolumeException;
import dev.kindling.agent.cache.endpoint.VolumeContent;
import dev.kindling.agent.cache.volume.VolumePlan;
import dev.kindling.agent.io.FileTrees;
import dev.kindling.api.service.Violations;
import dev.kindling.cache.endpoint.EndpointCachePlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local fleet's cache volumes: directories {@code <directory>/<endpoint>/gen-<n>} that emulated instances read as
 * if mounted. A volume is built in a hidden directory beside its final place and renamed into it only when complete,
 * so every {@code gen-<n>} directory is whole; hidden leftovers of a build cut short are deleted at start. Deletes
 * only what lies in its own directory.
 */
public final class LocalCacheVolumes implements CacheVolumes, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalCacheVolumes.class);
    private static final Pattern GENERATION = Pattern.compile("gen-(\\d{1,18})");
    private static final String BUILDING = ".building-";

    private final Path directory;
    private final Supplier<CacheVolumeBuilder.Settings> settings;
    private CacheVolumeBuilder builder;

    /**
     * @param settings how to reach the registries and S3 (asked at the first build: the embedded registry's address is
     *                 known only once the server listens)
     */
    public LocalCacheVolumes(Path directory, Supplier<CacheVolumeBuilder.Settings> settings) {
        this.directory = directory.toAbsolutePath().normalize();
        this.settings = settings;
        try {
            Files.createDirectories(this.directory);
            try (DirectoryStream<Path> endpoints = Files.newDirectoryStream(this.directory, Files::isDirectory)) {
                for (Path e : endpoints) {
                    try (Stream<Path> leftovers = Files.list(e)) {
                        for (Path p : leftovers.filter(p -> p.getFileName().toString().startsWith(BUILDING)).toList()) {
                            FileTrees.delete(p);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the cache volume directory " + this.directory, e);
        }
    }

    public Path directory() {
        return directory;
    }

    @Override
    public BuiltVolume build(String endpointName, long generation, EndpointCachePlan plan) {
        if (endpointName == null || !Violations.NAME.matcher(endpointName).matches()) {
            throw new IllegalArgumentException("not an endpoint name: " + endpointName);
        }
        if (generation < 1) throw new IllegalArgumentException("generation must be positive, was " + generation);
        Path endpointDir = directory.resolve(endpointName);
        Path target = endpointDir.resolve("gen-" + generation);
        Path staging = null;
        try {
            Files.createDirectories(endpointDir);
            staging = Files.createTempDirectory(endpointDir, BUILDING + "gen-" + generation + "-");
            VolumeContent built = builder().build(staging, endpointName, generation,
                    new VolumePlan(plan.images(), plan.models()));
            // Generations are never reused; one left by an earlier database is stale, not a rival.
            if (Files.exists(target)) FileTrees.delete(target);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            staging = null;
            return new BuiltVolume(target.toString(), built.imageBytes(), built.modelBytes(), built.toJson());
        } catch (CacheVolumeException e) {
            throw new CacheBuildException(e.getMessage(), e);
        } catch (IOException | UncheckedIOException e) {
            throw new CacheBuildException("writing the cache volume of endpoint " + endpointName + " under " + endpointDir
                    + ": " + e.getMessage(), e);
        } finally {
            if (staging != null) deleteQuietly(staging);
        }
    }

    private synchronized CacheVolumeBuilder builder() {
        if (builder == null) builder = new CacheVolumeBuilder(settings.get());
        return builder;
    }

    @Override
    public void delete(String location) {
        Path volume = Path.of(location).toAbsolutePath().normalize();
        Path endpointDir = volume.getParent();
        if (endpointDir == null || !directory.equals(endpointDir.getParent())
                || !GENERATION.matcher(volume.getFileName().toString()).matches()) {
            throw new IllegalArgumentException("refusing to delete " + location + ": not a cache volume under " + directory);
        }
        try {
            FileTrees.delete(volume);
            try (Stream<Path> left = Files.list(endpointDir)) {
                if (left.findAny().isEmpty()) Files.deleteIfExists(endpointDir);
            }
        } catch (java.nio.file.NoSuchFileException | java.nio.file.DirectoryNotEmptyException gone) {
            // deleted already, or a new generation is being built beside it
        } catch (IOException e) {
            throw new UncheckedIOException("deleting the cache volume " + volume, e);
        }
    }

    @Override
    public List<StoredVolume> stored() {
        List<StoredVolume> out = new ArrayList<>();
        try (DirectoryStream<Path> endpoints = Files.newDirectoryStream(directory, Files::isDirectory)) {
            for (Path e : endpoints) {
                try (DirectoryStream<Path> volumes = Files.newDirectoryStream(e, Files::isDirectory)) {
                    for (Path v : volumes) {
                        Matcher m = GENERATION.matcher(v.getFileName().toString());
                        if (m.matches()) {
                            out.add(new StoredVolume(e.getFileName().toString(), Long.parseLong(m.group(1)), v.toString()));
                        }
                    }
                } catch (IOException gone) {
                    // the endpoint's directory was deleted meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("listing cache volumes under " + directory, e);
        }
        return out;
    }

    private static void deleteQuietly(Path p) {
        try {
            FileTrees.delete(p);
        } catch (IOException | UncheckedIOException e) {
            log.atWarn().addKeyValue("directory", p).log("Could not delete an unfinished cache volume: {}", e.toString());
        }
    }

    @Override
    public synchronized void close() {
        if (builder != null) builder.close();
        builder = null;
    }
}
