#include "textflag.h"

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

// func blockMasksSSE2(b []byte) (quote, backslash, brackets uint64)
//
// Sixteen bytes at a time: PCMPEQB sets a lane to 0xff where the bytes are
// equal, PMOVMSKB gathers the lanes' top bits into sixteen bits.
TEXT ·blockMasksSSE2(SB), NOSPLIT, $0-48
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

	MOVQ R8, quote+24(FP)
	MOVQ R9, backslash+32(FP)
	MOVQ R10, brackets+40(FP)
	RET

// func blockMasksAVX2(b []byte) (quote, backslash, brackets uint64)
//
// The same, thirty-two bytes at a time.
TEXT ·blockMasksAVX2(SB), NOSPLIT, $0-48
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
	MOVQ R8, quote+24(FP)
	MOVQ R9, backslash+32(FP)
	MOVQ R10, brackets+40(FP)
	RET

