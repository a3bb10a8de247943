package dev.kindling.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CacheTierModeTest {

    @Test
    void parsesModesIntoTheBenchmarksOrder() {
        assertThat(CacheTierMode.parse("warm-instance, no-caches")).containsExactly(CacheTierMode.NO_CACHES,
                CacheTierMode.WARM_INSTANCE);
        assertThat(CacheTierMode.parse("no-caches,image-cache,image-model-cache,warm-instance")).isEqualTo(CacheTierMode.ALL);
    }

    @Test
    void refusesAnUnknownModeNamingTheKnownOnes() {
        assertThatThrownBy(() -> CacheTierMode.parse("no-caches,model-cache"))
                .hasMessageContaining("model-cache").hasMessageContaining("image-model-cache");
        assertThatThrownBy(() -> CacheTierMode.parse(" , ")).hasMessageContaining("at least one");
    }

    @Test
    void onlyTheEndpointCacheModesNeedTheCachesOfIssue5() {
        assertThat(CacheTierMode.ALL.stream().filter(CacheTierMode::needsEndpointCache).toList())
                .isEqualTo(List.of(CacheTierMode.IMAGE_CACHE, CacheTierMode.IMAGE_AND_MODEL_CACHE));
    }

    @Test
    void targetsAreTheIssues() {
        assertThat(CacheTierMode.ALL.stream().map(CacheTierMode::targetRatio).toList())
                .containsExactly(null, 0.55, 0.25, 0.10);
    }
}
