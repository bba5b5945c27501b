#include "textflag.h"

// blockStructsSSE2 and blockStructsAVX2 compute what blockStructsGeneric
// does (jsonblock.go), whose comment holds the contract.

// The bytes compared against, sixteen of each: '"', '\\', 0x79 (what
// bracketKey makes of a bracket), 0xf9 and 0x20 (the mask bracketKey
// clears and the bit it sets).
DATA blockConsts<>+0(SB)/8, $0x2222222222222222
DATA blockConsts<>+8(SB)/8, $0x2222222222222222
DATA blockConsts<>+16(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA blockConsts<>+24(SB)/8, $0x5c5c5c5c5c5c5c5c
DATA blockConsts<>+32(SB)/8, $0x7979797979797979
DATA blockConsts<>+40(SB)/8, $0x7979797979797979
DATA blockConsts<>+48(SB)/8, $0xf9f9f9f9f9f9f9f9
DATA blockConsts<>+56(SB)/8, $0xf9f9f9f9f9f9f9f9
DATA blockConsts<>+64(SB)/8, $0x2020202020202020
DATA blockConsts<>+72(SB)/8, $0x2020202020202020
GLOBL blockConsts<>(SB), RODATA|NOPTR, $80

// STORE_BLOCK finishes a clean block: R8 holds the quotes' running
// parity, R10 the marked bytes, R11 the carry in. It stores the brackets
// outside strings in out[n] (DI, DX), sets R11 to the carry out, and moves
// SI and DX on to the next block.
#define STORE_BLOCK \
	XORQ R11, R8 \
	MOVQ R8, AX \
	NOTQ AX \
	ANDQ AX, R10 \
	SARQ $63, R8 \
	MOVQ R8, R11 \
	MOVQ R10, (DI)(DX*8) \
	INCQ DX \
	ADDQ $64, SI

// func blockStructsSSE2(b []byte, carry uint64, out *[structBlocks]uint64) (n int, carryOut uint64)
//
// Sixteen bytes at a time: PCMPEQB sets a lane to 0xff where the bytes are
// equal, PMOVMSKB gathers the lanes' top bits into sixteen bits. The
// quotes' running parity is taken by six shifts (prefixXor).
TEXT ·blockStructsSSE2(SB), NOSPLIT, $0-56
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	SHRQ $6, CX             // whole blocks in b
	CMPQ CX, $4
	JLE sse2Blocks
	MOVQ $4, CX             // at most structBlocks
sse2Blocks:
	MOVQ carry+24(FP), R11
	MOVQ out+32(FP), DI
	XORQ DX, DX             // blocks read
	MOVOU blockConsts<>+0(SB), X1
	MOVOU blockConsts<>+16(SB), X2
	MOVOU blockConsts<>+32(SB), X3
	MOVOU blockConsts<>+48(SB), X4
	MOVOU blockConsts<>+64(SB), X5

sse2Loop:
	CMPQ DX, CX
	JGE sse2Done
	XORQ R8, R8             // quote
	XORQ R9, R9             // backslash
	XORQ R10, R10           // brackets
	MOVOU 0(SI), X0
	MOVOU X0, X6
	PCMPEQB X1, X6
	PMOVMSKB X6, AX
	ORQ AX, R8
	MOVOU X0, X6
	PCMPEQB X2, X6
	PMOVMSKB X6, AX
	ORQ AX, R9
	PAND X4, X0
	POR X5, X0
	PCMPEQB X3, X0
	PMOVMSKB X0, AX
	ORQ AX, R10
	MOVOU 16(SI), X0
	MOVOU X0, X6
	PCMPEQB X1, X6
	PMOVMSKB X6, AX
	SHLQ $16, AX
	ORQ AX, R8
	MOVOU X0, X6
	PCMPEQB X2, X6
	PMOVMSKB X6, AX
	SHLQ $16, AX
	ORQ AX, R9
	PAND X4, X0
	POR X5, X0
	PCMPEQB X3, X0
	PMOVMSKB X0, AX
	SHLQ $16, AX
	ORQ AX, R10
	MOVOU 32(SI), X0
	MOVOU X0, X6
	PCMPEQB X1, X6
	PMOVMSKB X6, AX
	SHLQ $32, AX
	ORQ AX, R8
	MOVOU X0, X6
	PCMPEQB X2, X6
	PMOVMSKB X6, AX
	SHLQ $32, AX
	ORQ AX, R9
	PAND X4, X0
	POR X5, X0
	PCMPEQB X3, X0
	PMOVMSKB X0, AX
	SHLQ $32, AX
	ORQ AX, R10
	MOVOU 48(SI), X0
	MOVOU X0, X6
	PCMPEQB X1, X6
	PMOVMSKB X6, AX
	SHLQ $48, AX
	ORQ AX, R8
	MOVOU X0, X6
	PCMPEQB X2, X6
	PMOVMSKB X6, AX
	SHLQ $48, AX
	ORQ AX, R9
	PAND X4, X0
	POR X5, X0
	PCMPEQB X3, X0
	PMOVMSKB X0, AX
	SHLQ $48, AX
	ORQ AX, R10
	TESTQ R9, R9
	JNZ sse2Done             // a backslash: the caller reads this block
	MOVQ R8, AX
	SHLQ $1, AX
	XORQ AX, R8
	MOVQ R8, AX
	SHLQ $2, AX
	XORQ AX, R8
	MOVQ R8, AX
	SHLQ $4, AX
	XORQ AX, R8
	MOVQ R8, AX
	SHLQ $8, AX
	XORQ AX, R8
	MOVQ R8, AX
	SHLQ $16, AX
	XORQ AX, R8
	MOVQ R8, AX
	SHLQ $32, AX
	XORQ AX, R8
	STORE_BLOCK
	JMP sse2Loop

sse2Done:
	MOVQ DX, n+40(FP)
	MOVQ R11, carryOut+48(FP)
	RET

// func blockStructsAVX2(b []byte, carry uint64, out *[structBlocks]uint64) (n int, carryOut uint64)
//
// The same, thirty-two bytes at a time, and the running parity is one
// carry-less multiplication by all ones (useAVX2 requires PCLMULQDQ too).
TEXT ·blockStructsAVX2(SB), NOSPLIT, $0-56
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), CX
	SHRQ $6, CX             // whole blocks in b
	CMPQ CX, $4
	JLE avx2Blocks
	MOVQ $4, CX             // at most structBlocks
avx2Blocks:
	MOVQ carry+24(FP), R11
	MOVQ out+32(FP), DI
	XORQ DX, DX             // blocks read
	VPBROADCASTB blockConsts<>+0(SB), Y1
	VPBROADCASTB blockConsts<>+16(SB), Y2
	VPBROADCASTB blockConsts<>+32(SB), Y3
	VPBROADCASTB blockConsts<>+48(SB), Y4
	VPBROADCASTB blockConsts<>+64(SB), Y5
	MOVQ $-1, AX
	VMOVQ AX, X7

avx2Loop:
	CMPQ DX, CX
	JGE avx2Done
	XORQ R8, R8             // quote
	XORQ R9, R9             // backslash
	XORQ R10, R10           // brackets
	VMOVDQU 0(SI), Y0
	VPCMPEQB Y1, Y0, Y6
	VPMOVMSKB Y6, AX
	ORQ AX, R8
	VPCMPEQB Y2, Y0, Y6
	VPMOVMSKB Y6, AX
	ORQ AX, R9
	VPAND Y4, Y0, Y0
	VPOR Y5, Y0, Y0
	VPCMPEQB Y3, Y0, Y0
	VPMOVMSKB Y0, AX
	ORQ AX, R10
	VMOVDQU 32(SI), Y0
	VPCMPEQB Y1, Y0, Y6
	VPMOVMSKB Y6, AX
	SHLQ $32, AX
	ORQ AX, R8
	VPCMPEQB Y2, Y0, Y6
	VPMOVMSKB Y6, AX
	SHLQ $32, AX
	ORQ AX, R9
	VPAND Y4, Y0, Y0
	VPOR Y5, Y0, Y0
	VPCMPEQB Y3, Y0, Y0
	VPMOVMSKB Y0, AX
	SHLQ $32, AX
	ORQ AX, R10
	TESTQ R9, R9
	JNZ avx2Done             // a backslash: the caller reads this block
	VMOVQ R8, X0
	VPCLMULQDQ $0x00, X7, X0, X0 // running parity
	VMOVQ X0, R8
	STORE_BLOCK
	JMP avx2Loop

avx2Done:
	VZEROUPPER
	MOVQ DX, n+40(FP)
	MOVQ R11, carryOut+48(FP)
	RET
