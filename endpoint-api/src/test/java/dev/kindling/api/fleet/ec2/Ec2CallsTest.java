package dev.kindling.api.fleet.ec2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kindling.api.fleet.ec2.Ec2FleetException.Code;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What an EC2 error means for the fleet: retry it, try another subnet, or give up. */
class Ec2CallsTest {

    static Stream<Arguments> errors() {
        return Stream.of(
                Arguments.of("throttled", 503, "RequestLimitExceeded", Code.THROTTLED, true),
                Arguments.of("snapshot rate", 400, "SnapshotCreationPerVolumeRateExceeded", Code.THROTTLED, true),
                Arguments.of("unnamed 503", 503, null, Code.THROTTLED, true),
                Arguments.of("internal error", 500, "InternalError", Code.UNAVAILABLE, true),
                Arguments.of("bad gateway", 502, null, Code.UNAVAILABLE, true),
                Arguments.of("no capacity (a 500, not to be retried in place)", 500, "InsufficientInstanceCapacity",
                        Code.CAPACITY, false),
                Arguments.of("vCPU limit", 400, "VcpuLimitExceeded", Code.CAPACITY, false),
                Arguments.of("instance gone", 400, "InvalidInstanceID.NotFound", Code.NOT_FOUND, false),
                Arguments.of("snapshot gone", 400, "InvalidSnapshot.NotFound", Code.NOT_FOUND, false),
                Arguments.of("not allowed", 403, "UnauthorizedOperation", Code.DENIED, false),
                Arguments.of("bad template", 400, "InvalidLaunchTemplateId.Malformed", Code.INVALID, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void classifies(String label, int status, String error, Code expected, boolean retryable) {
        Code code = Ec2Calls.codeOf(status, error);

        assertThat(code).isEqualTo(expected);
        assertThat(new Ec2FleetException(code, "x").retryable()).isEqualTo(retryable);
    }

    static Stream<Arguments> instanceTypes() {
        return Stream.of(
                Arguments.of("SageMaker GPU type", "ml.g6.2xlarge", "g6.2xlarge"),
                Arguments.of("SageMaker CPU type", "ml.m5.large", "m5.large"),
                Arguments.of("already an EC2 type", "c6in.large", "c6in.large"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("instanceTypes")
    void mapsInstanceTypes(String label, String sageMaker, String ec2) {
        assertThat(Ec2Fleet.ec2InstanceType(sageMaker)).isEqualTo(ec2);
    }
}
