package dev.kindling.agent.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** CRC-64/NVME against its published check value, and the same value whatever way the bytes arrive. */
class Crc64NvmeTest {

    @Test
    void matchesTheCheckValueOfTheStandard() {
        Crc64Nvme crc = new Crc64Nvme();
        crc.update("123456789".getBytes(StandardCharsets.US_ASCII));
        assertThat(crc.getValue()).isEqualTo(0xAE8B14860A799888L);
    }

    @Test
    void givesTheSameValueForAnyCutOfTheBytes() {
        byte[] bytes = new byte[100_003];
        new Random(1).nextBytes(bytes);
        Crc64Nvme whole = new Crc64Nvme();
        whole.update(ByteBuffer.wrap(bytes));
        Crc64Nvme pieces = new Crc64Nvme();
        for (int i = 0; i < bytes.length; ) {
            int n = Math.min(bytes.length - i, 1 + (i % 13));
            if (n == 1) pieces.update(bytes[i]);
            else pieces.update(bytes, i, n);
            i += n;
        }
        assertThat(pieces.getValue()).isEqualTo(whole.getValue());
    }
}
