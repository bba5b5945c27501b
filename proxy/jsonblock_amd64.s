#include "textflag.h"

// blockStructSSE2 and blockStructAVX2 compute what blockStructGeneric
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

// func blockStructSSE2(b []byte, carry uint64) (brackets, carryOut uint64, clean bool)
//
// Sixteen bytes at a time: PCMPEQB sets a lane to 0xff where the bytes are
// equal, PMOVMSKB gathers the lanes' top bits into sixteen bits. The
// quotes' running parity is taken by six shifts (prefixXor).
TEXT ·blockStructSSE2(SB), NOSPLIT, $0-49
	MOVQ b_base+0(FP), SI
	MOVOU blockConsts<>+0(SB), X1
	MOVOU blockConsts<>+16(SB), X2
	MOVOU blockConsts<>+32(SB), X3
	MOVOU blockConsts<>+48(SB), X4
	MOVOU blockConsts<>+64(SB), X5
	XORQ R8, R8  // quote
	XORQ R9, R9  // backslash
	XORQ R10, R10 // brackets

	// bytes 0..15
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

	// bytes 16..31
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

	// bytes 32..47
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

	// bytes 48..63
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
	JNZ sse2Escaped
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
	MOVQ carry+24(FP), AX
	XORQ AX, R8       // inside strings
	MOVQ R8, AX
	NOTQ AX
	ANDQ AX, R10
	SARQ $63, R8      // inside a string after the block: all ones
	MOVQ R10, brackets+32(FP)
	MOVQ R8, carryOut+40(FP)
	MOVB $1, clean+48(FP)
	RET

sse2Escaped:
	MOVQ $0, brackets+32(FP)
	MOVQ $0, carryOut+40(FP)
	MOVB $0, clean+48(FP)
	RET

// func blockStructAVX2(b []byte, carry uint64) (brackets, carryOut uint64, clean bool)
//
// The same, thirty-two bytes at a time, and the running parity is one
// carry-less multiplication by all ones (useAVX2 requires PCLMULQDQ too).
TEXT ·blockStructAVX2(SB), NOSPLIT, $0-49
	MOVQ b_base+0(FP), SI
	VPBROADCASTB blockConsts<>+0(SB), Y1
	VPBROADCASTB blockConsts<>+16(SB), Y2
	VPBROADCASTB blockConsts<>+32(SB), Y3
	VPBROADCASTB blockConsts<>+48(SB), Y4
	VPBROADCASTB blockConsts<>+64(SB), Y5
	XORQ R8, R8  // quote
	XORQ R9, R9  // backslash
	XORQ R10, R10 // brackets

	// bytes 0..31
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

	// bytes 32..63
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

	VZEROUPPER
	TESTQ R9, R9
	JNZ avx2Escaped
	MOVQ R8, X0
	MOVQ $-1, AX
	MOVQ AX, X1
	PCLMULQDQ $0x00, X1, X0
	MOVQ X0, R8
	MOVQ carry+24(FP), AX
	XORQ AX, R8       // inside strings
	MOVQ R8, AX
	NOTQ AX
	ANDQ AX, R10
	SARQ $63, R8      // inside a string after the block: all ones
	MOVQ R10, brackets+32(FP)
	MOVQ R8, carryOut+40(FP)
	MOVB $1, clean+48(FP)
	RET

avx2Escaped:
	MOVQ $0, brackets+32(FP)
	MOVQ $0, carryOut+40(FP)
	MOVB $0, clean+48(FP)
	RET

