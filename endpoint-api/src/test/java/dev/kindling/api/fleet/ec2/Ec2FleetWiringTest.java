package dev.kindling.api.fleet.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.caches.CacheVolumes;
import dev.kindling.api.config.Ec2FleetConfiguration;
import dev.kindling.api.config.KindlingProperties;
import dev.kindling.api.fleet.FleetProvider;
import dev.kindling.api.fleet.FleetProvider.LaunchRequest;
import dev.kindling.api.fleet.InstanceTypeCatalog;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** {@code kindling.fleet.provider=ec2} makes the EC2 fleet and its cache volumes, set from {@code kindling.fleet.ec2.*}. */
class Ec2FleetWiringTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(KindlingProperties.class)
    static class Properties {}

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Properties.class, Ec2FleetConfiguration.class);

    @Test
    void theEc2ProviderMakesTheEc2FleetAndItsCacheVolumes() throws Exception {
        try (Ec2Stub stub = new Ec2Stub()) {
            // The default credentials chain reads these first; the stub checks no signature.
            System.setProperty("aws.accessKeyId", "AKIDSTUB");
            System.setProperty("aws.secretAccessKey", "stub-secret-key");
            try {
                runner.withPropertyValues("kindling.fleet.provider=ec2",
                                "kindling.api.control-plane-url=http://10.0.0.5:8080",
                                "kindling.fleet.ec2.endpoint-override=" + stub.endpoint(),
                                "kindling.fleet.ec2.launch-template-name=kindling-gpu",
                                "kindling.fleet.ec2.subnet-ids=subnet-a,subnet-b",
                                "kindling.fleet.ec2.security-group-ids=sg-1")
                        .run(context -> {
                            assertThat(context).hasNotFailed().hasSingleBean(Ec2Fleet.class)
                                    .hasSingleBean(FleetProvider.class).hasSingleBean(CacheVolumes.class);

                            context.getBean(FleetProvider.class).launch(new LaunchRequest("ki-1", "chat", "AllTraffic",
                                    new InstanceTypeCatalog().get("ml.g5.xlarge"), "kis_1", null));
                        });
            } finally {
                System.clearProperty("aws.accessKeyId");
                System.clearProperty("aws.secretAccessKey");
            }
            assertThat(stub.calls("RunInstances")).singleElement().satisfies(run -> {
                assertThat(run.params()).containsAllEntriesOf(Map.of(
                        "LaunchTemplate.LaunchTemplateName", "kindling-gpu", "LaunchTemplate.Version", "$Default",
                        "InstanceType", "g5.xlarge", "SubnetId", "subnet-a", "SecurityGroupId.1", "sg-1"));
                assertThat(run.userData()).contains("KINDLING_CONTROL_PLANE_URL=http://10.0.0.5:8080\n");
            });
        }
    }

    @Test
    void theDefaultProviderMakesNoEc2Beans() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(Ec2Fleet.class)
                .doesNotHaveBean(Ec2CacheVolumes.class).doesNotHaveBean(Ec2Calls.class));
    }

    @Test
    void theEc2ProviderWithoutAControlPlaneUrlDoesNotStart() {
        runner.withPropertyValues("kindling.fleet.provider=ec2", "kindling.fleet.ec2.launch-template-id=lt-1")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("kindling.api.control-plane-url must be set"));
    }
}
