package dev.kindling.api.caches;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kindling.agent.cache.volume.CacheVolumeBuilder;
import dev.kindling.agent.registry.FetchSettings;
import dev.kindling.agent.registry.Registries;
import dev.kindling.agent.registry.RegistryCredentials;
import dev.kindling.cache.endpoint.EndpointCachePlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local cache volumes on disk: listed by endpoint and generation, deleted only inside their own directory, left
 * nothing behind by a build that failed or was cut short. (Builds that succeed are tested through the API, against
 * the embedded registry and S3 store.)
 */
class LocalCacheVolumesTest {

    @TempDir
    Path dir;

    private LocalCacheVolumes volumes() {
        // A registry nobody listens on: any build fails at its first image.
        return new LocalCacheVolumes(dir.resolve("caches"), () -> new CacheVolumeBuilder.Settings(FetchSettings.DEFAULTS,
                new Registries.Settings("127.0.0.1:1", null, RegistryCredentials.anonymous(), Duration.ofSeconds(2)), null));
    }

    private Path volume(String endpoint, String name) throws Exception {
        Path v = Files.createDirectories(dir.resolve("caches").resolve(endpoint).resolve(name));
        Files.writeString(v.resolve("kindling-cache.json"), "{}");
        return v;
    }

    @Test
    void listsCompleteGenerationsAndDeletesWhatABuildCutShortLeft() throws Exception {
        Path one = volume("a", "gen-1");
        Path two = volume("a", "gen-2");
        Path other = volume("b", "gen-7");
        Path leftover = volume("a", ".building-gen-3-123");
        volume("a", "not-a-generation");

        try (LocalCacheVolumes v = volumes()) {
            assertThat(leftover).doesNotExist();
            assertThat(v.stored()).containsExactlyInAnyOrder(
                    new CacheVolumes.StoredVolume("a", 1, one.toString()),
                    new CacheVolumes.StoredVolume("a", 2, two.toString()),
                    new CacheVolumes.StoredVolume("b", 7, other.toString()));
        }
    }

    @Test
    void deletesAVolumeAndItsEndpointsDirectoryOnceEmpty() throws Exception {
        Path one = volume("a", "gen-1");
        Path two = volume("a", "gen-2");
        try (LocalCacheVolumes v = volumes()) {
            v.delete(one.toString());
            assertThat(one).doesNotExist();
            assertThat(two).exists();
            v.delete(two.toString());
            assertThat(dir.resolve("caches/a")).doesNotExist();
            v.delete(two.toString()); // gone already is fine
        }
    }

    @Test
    void refusesToDeleteAnythingButItsOwnVolumes() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("elsewhere/a/gen-1"));
        Path sibling = Files.createDirectories(dir.resolve("caches-other/a/gen-1"));
        Path notAVolume = volume("a", "data");
        try (LocalCacheVolumes v = volumes()) {
            for (Path p : List.of(outside, sibling, notAVolume, dir.resolve("caches/a"), dir.resolve("caches"),
                    dir.resolve("caches/a/gen-1/../../../elsewhere/a/gen-1"))) {
                assertThatThrownBy(() -> v.delete(p.toString())).as(p.toString())
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refusing to delete");
            }
            assertThatThrownBy(() -> v.delete("snap-0123456789abcdef")).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(outside).exists();
        assertThat(sibling).exists();
        assertThat(notAVolume).exists();
    }

    @Test
    void aFailedBuildNamesTheImageAndLeavesNothing() throws Exception {
        try (LocalCacheVolumes v = volumes()) {
            assertThatThrownBy(() -> v.build("e", 1, new EndpointCachePlan(List.of("team/model:1"), List.of())))
                    .isInstanceOf(CacheVolumes.CacheBuildException.class)
                    .hasMessageContaining("image team/model:1");
            assertThat(v.stored()).isEmpty();
        }
        try (Stream<Path> left = Files.walk(dir.resolve("caches"))) {
            assertThat(left.filter(p -> p.getFileName().toString().startsWith(".building"))).isEmpty();
        }
    }

    @Test
    void buildsOnlyForEndpointNamesAndPositiveGenerations() {
        try (LocalCacheVolumes v = volumes()) {
            assertThatThrownBy(() -> v.build("../x", 1, EndpointCachePlan.EMPTY)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> v.build("e", 0, EndpointCachePlan.EMPTY)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
