// Included first in every file of a Linux release build (binding.gyp, linux_release): glibc
// 2.29 gave exp, log and pow new symbol versions (faster code, no SVID error handling), so a
// binary linked against glibc >= 2.29 would refuse to load on older ones. Binding them to
// their original versions, which every later glibc keeps, holds the binary's floor at what
// the rest of it needs (test/glibc_floor.test.ts checks the result). The values are the same:
// the old entry points wrap the same implementation and differ only in how errno is set.
#pragma once
#if defined(__linux__) && defined(__x86_64__)
__asm__(".symver exp,exp@GLIBC_2.2.5");
__asm__(".symver log,log@GLIBC_2.2.5");
__asm__(".symver pow,pow@GLIBC_2.2.5");
#elif defined(__linux__) && defined(__aarch64__)
__asm__(".symver exp,exp@GLIBC_2.17");
__asm__(".symver log,log@GLIBC_2.17");
__asm__(".symver pow,pow@GLIBC_2.17");
#endif
