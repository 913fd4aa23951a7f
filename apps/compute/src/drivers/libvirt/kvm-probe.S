# The KVM probe's boot sector (see kvm-probe.ts). Real mode → 32-bit protected mode → a software
# interrupt whose handler IRETs (what BIOS-era boot loaders such as syslinux do, and what nested
# KVM on some hosts cannot emulate: "KVM internal error. Suberror: 1 ... emulation failure") →
# prints the OK line on COM1 and halts. Rebuild the bytes in kvm-probe.ts with:
#   as --32 -o p.o kvm-probe.S && ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o p.bin p.o && xxd -p p.bin | tr -d '\n'
.code16
.globl _start
_start:
  cli
  xor %ax, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov $0x7c00, %sp
  lgdt gdtdesc
  mov %cr0, %eax
  or $1, %eax
  mov %eax, %cr0
  ljmp $0x08, $pm
.code32
pm:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov $0x7c00, %esp
  # interrupt gate 0x20 → handler, IDT at 0x7000
  mov $handler, %eax
  mov $0x7100, %edi
  mov %ax, (%edi)
  movw $0x08, 2(%edi)
  movw $0x8e00, 4(%edi)
  shr $16, %eax
  mov %ax, 6(%edi)
  lidt idtdesc
  int $0x20
  mov $okmsg, %esi
  mov $0x3f8, %dx
1:
  lodsb
  test %al, %al
  jz 2f
  out %al, %dx
  jmp 1b
2:
  hlt
  jmp 2b
handler:
  iret
okmsg:
  .asciz "\r\nKUMO-KVM-PROBE-OK\r\n"
.p2align 3
gdt:
  .quad 0
  .quad 0x00cf9a000000ffff
  .quad 0x00cf92000000ffff
gdtdesc:
  .word gdtdesc - gdt - 1
  .long gdt
idtdesc:
  .word 0x20 * 8 + 7
  .long 0x7000
.org 510
.byte 0x55, 0xaa
