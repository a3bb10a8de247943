package dev.kindling.agent.cache.endpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.agent.artifact.ObjectVersion;
import dev.kindling.agent.cache.ArtifactCache;
import dev.kindling.agent.cache.ArtifactCache.Outcome;
import dev.kindling.agent.io.Throughput;
import dev.kindling.agent.protocol.CacheGrant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The endpoint model cache tier: object versions the granted volume lists are served or reported, others missed. */
class EndpointModelCacheTest {

    @TempDir
    Path dir;
    private final byte[] weights = random(1, 70_000);
    private final byte[] config = random(2, 1_000);
    private final byte[] tokenizer = random(3, 5_000);
    private TestVolume volume;

    private static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @BeforeEach
    void buildVolume() throws IOException {
        volume = TestVolume.at(dir.resolve("volume"), "chat", 3)
                .model("s3://models/llm/", "models", "llm/weights.bin", weights)
                .model("s3://models/llm/", "models", "llm/config.json", config)
                .model("s3://models/llm/", "models", "llm/tokenizer.json", tokenizer)
                .complete();
        Files.delete(volume.models().resolve("models/llm/config.json"));
        Files.write(volume.models().resolve("models/llm/tokenizer.json"), random(9, tokenizer.length));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "none", textBlock = """
            a listed object is served                     | llm/weights.bin    | same  | Hit    | none
            a listed object the volume lacks is missing   | llm/config.json    | same  | Miss   | missing
            a listed object that does not match its ETag  | llm/tokenizer.json | same  | Failed | corrupt
            another version than the volume lists         | llm/weights.bin    | other | Miss   | none
            an object the volume does not list            | llm/other.bin      | same  | Miss   | none
            """)
    void eachObjectAgainstWhatTheVolumeLists(String label, String key, String version, String outcome, String faultKind) {
        byte[] content = switch (key) {
            case "llm/config.json" -> config;
            case "llm/tokenizer.json" -> tokenizer;
            default -> weights;
        };
        String eTag = version.equals("same") ? TestVolume.md5(content) : TestVolume.md5(new byte[] {1});
        ObjectVersion object = new ObjectVersion("models", key, content.length, "\"" + eTag + "\"");
        EndpointCaches caches = new EndpointCaches(null, null, Throughput.UNLIMITED);
        caches.grant(new CacheGrant("chat", 3, volume.root().toString(), volume.models().toString(), null));
        ArtifactCache tier = caches.modelTier();
        Path target = dir.resolve("store/objects/target.verified");

        Outcome o = tier.provide(object, target);

        assertThat(o.getClass().getSimpleName()).isEqualTo(outcome);
        if (faultKind == null) {
            assertThat(o.faults()).isEmpty();
        } else {
            assertThat(o.faults()).singleElement().satisfies(f -> {
                assertThat(f.kind()).isEqualTo(faultKind);
                assertThat(f.id()).isEqualTo("s3://models/" + key);
                assertThat(f.artifact()).isEqualTo("model");
                assertThat(f.tier()).isEqualTo("endpoint-model-cache");
                assertThat(f.generation()).isEqualTo(3L);
            });
        }
        assertThat(Files.exists(target)).isEqualTo(outcome.equals("Hit"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            the model cache location does not exist | gone     | missing
            no kindling-cache.json at the root      | unlisted | missing
            """)
    void aModelCacheThatCannotBeUsedIsOneFaultNamingItsLocation(String label, String damage, String kind) throws IOException {
        Path models = volume.models();
        if (damage.equals("gone")) models = dir.resolve("elsewhere/models");
        else Files.delete(volume.root().resolve("kindling-cache.json"));
        EndpointCaches caches = new EndpointCaches(null, null, Throughput.UNLIMITED);
        caches.grant(new CacheGrant("chat", 3, null, models.toString(), null));

        Outcome o = caches.modelTier().provide(new ObjectVersion("models", "llm/weights.bin", weights.length,
                TestVolume.md5(weights)), dir.resolve("t.verified"));

        assertThat(o).isInstanceOf(Outcome.Miss.class);
        String location = models.toString();
        assertThat(o.faults()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(kind);
            assertThat(f.id()).isEqualTo(location);
        });
    }
}
