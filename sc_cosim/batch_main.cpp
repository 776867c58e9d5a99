// Batch co-simulation main for Verilator (template; rendered by sc_cosim/batch.py).
//
// Usage: Vbatch STIMULUS CAPTURE
//
// STIMULUS is a packed array of records, one per run of cycles with the same
// inputs: uint32 repeat, uint32 flags (bit 0: rst high; bit 1: record these
// cycles), then every input port in little-endian bytes (1, 2, 4 or 8 bytes
// for ports up to 64 bits, 32-bit words for wider ones), in the order of
// @IN_ORDER@. Each cycle: inputs set, clk low, eval (the outputs *during* the
// cycle), optionally recorded, clk high, eval (the rising edge).
//
// CAPTURE receives one record per recorded cycle: uint64 cycle number (from
// 0, counting every simulated cycle), then every output port in the same
// packing, in the order of @OUT_ORDER@. A cycle is recorded when its flags
// ask for it or when a strobe output is nonzero (@STROBES@).
#include "@TOP@.h"
#include "verilated.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

static const size_t IN_BYTES = @IN_BYTES@;
static const size_t OUT_BYTES = @OUT_BYTES@;

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s STIMULUS CAPTURE\n", argv[0]);
        return 2;
    }
    FILE* in = std::fopen(argv[1], "rb");
    if (!in) {
        std::perror(argv[1]);
        return 2;
    }
    std::fseek(in, 0, SEEK_END);
    long size = std::ftell(in);
    std::fseek(in, 0, SEEK_SET);
    if (size < 0 || size % IN_BYTES != 0) {
        std::fprintf(stderr, "stimulus size %ld is not a multiple of %zu\n", size, IN_BYTES);
        return 2;
    }
    std::vector<unsigned char> stim(static_cast<size_t>(size) + 1);
    if (size && std::fread(stim.data(), 1, size, in) != static_cast<size_t>(size)) {
        std::perror("read");
        return 2;
    }
    std::fclose(in);
    FILE* out = std::fopen(argv[2], "wb");
    if (!out) {
        std::perror(argv[2]);
        return 2;
    }
    static char outbuf[1 << 20];
    std::setvbuf(out, outbuf, _IOFBF, sizeof outbuf);

    VerilatedContext ctx;
    @TOP@ top(&ctx);
    top.clk = 0;
    top.rst = 0;
    top.eval();
    unsigned char rec[OUT_BYTES];
    uint64_t cycle = 0;
    const unsigned char* end = stim.data() + size;
    for (const unsigned char* p = stim.data(); p < end; p += IN_BYTES) {
        uint32_t repeat, flags;
        std::memcpy(&repeat, p, 4);
        std::memcpy(&flags, p + 4, 4);
        top.rst = flags & 1u;
@SET_INPUTS@
        for (uint32_t r = 0; r < repeat; ++r) {
            top.clk = 0;
            top.eval();
            if ((flags & 2u)@STROBE_EXPR@) {
                std::memcpy(rec, &cycle, 8);
@GET_OUTPUTS@
                std::fwrite(rec, 1, OUT_BYTES, out);
            }
            top.clk = 1;
            top.eval();
            ++cycle;
        }
    }
    top.final();
    if (std::fclose(out) != 0) {
        std::perror("write");
        return 2;
    }
    return 0;
}
