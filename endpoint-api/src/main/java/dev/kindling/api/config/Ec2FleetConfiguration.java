package dev.kindling.api.config;

import dev.kindling.api.fleet.ec2.Ec2CacheVolumes;
import dev.kindling.api.fleet.ec2.Ec2Calls;
import dev.kindling.api.fleet.ec2.Ec2Fleet;
import dev.kindling.api.fleet.ec2.Ec2Settings;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The EC2 fleet and its EBS-snapshot cache volumes, with {@code kindling.fleet.provider=ec2}; AWS credentials come
 * from the default chain (the control plane's instance or task role, in production).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "kindling.fleet.provider", havingValue = "ec2")
public class Ec2FleetConfiguration {

    static Ec2Settings settings(KindlingProperties properties) {
        KindlingProperties.Ec2 e = properties.fleet().ec2();
        return new Ec2Settings(e.region(), e.endpointOverride().isBlank() ? null : URI.create(e.endpointOverride()),
                new Ec2Settings.LaunchTemplate(e.launchTemplateId(), e.launchTemplateName(), e.launchTemplateVersion()),
                e.subnetIds(), e.securityGroupIds(), URI.create(properties.api().controlPlaneUrl()), e.agentJarUrl(),
                e.builderInstanceType(), e.cacheVolumeSizeGib(), Duration.ofMillis(e.pollIntervalMillis()),
                Duration.ofSeconds(e.builderTimeoutSeconds()), Duration.ofSeconds(e.snapshotTimeoutSeconds()),
                Duration.ofSeconds(e.consoleTimeoutSeconds()), Duration.ofMillis(e.callTimeoutMillis()), e.callAttempts(),
                Duration.ofMillis(e.retryBackoffMillis()));
    }

    @Bean(destroyMethod = "close")
    Ec2Calls ec2Calls(KindlingProperties properties) {
        Ec2Settings settings = settings(properties);
        return new Ec2Calls(Ec2Calls.client(settings, DefaultCredentialsProvider.builder().build()), settings);
    }

    @Bean(destroyMethod = "close")
    Ec2Fleet ec2Fleet(Ec2Calls calls, KindlingProperties properties) {
        return new Ec2Fleet(calls, settings(properties));
    }

    @Bean
    Ec2CacheVolumes ec2CacheVolumes(Ec2Calls calls, KindlingProperties properties, ObjectProvider<Clock> clock) {
        return new Ec2CacheVolumes(calls, settings(properties), clock.getIfAvailable(Clock::systemUTC));
    }
}
