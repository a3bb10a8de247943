package dev.kindling.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class EventLoopCountTest {

    @Test
    void withoutASettingKindlingRunsOneEventLoopPerCore() {
        Properties system = new Properties();
        KindlingApplication.oneEventLoopPerCore(system, 2);
        assertThat(system.getProperty("reactor.netty.ioWorkerCount")).isEqualTo("2");
    }

    @Test
    void theOperatorsSettingIsKept() {
        Properties system = new Properties();
        system.setProperty("reactor.netty.ioWorkerCount", "8");
        KindlingApplication.oneEventLoopPerCore(system, 2);
        assertThat(system.getProperty("reactor.netty.ioWorkerCount")).isEqualTo("8");
    }
}
