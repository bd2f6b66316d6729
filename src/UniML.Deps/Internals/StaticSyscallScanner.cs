using System.Collections;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using Iced.Intel;

namespace UniML.Deps.Internals;

/// <summary>
/// Linear-sweep disassembly of executable sections with Iced, tracking constants in the 16 general
/// registers inside straight-line code. A <c>syscall</c> resolves when a constant reaches rax; a call to
/// libc's <c>syscall()</c> resolves when a constant reaches rdi (its first argument, SysV ABI).
/// A constant only counts if no branch target or function entry lies between the instruction that set
/// it and the site, checked after the sweep so backward and forward branches are both seen.
/// </summary>
static class StaticSyscallScanner
{
    public readonly record struct Result(IReadOnlyList<SyscallSite> Sites, long CodeBytes);

    const int RegisterCount = 16;
    const int Rax = 0, Rcx = 1, Rdx = 2, Rsi = 6, Rdi = 7, R8 = 8, R11 = 11;

    // A register's known constant and the address of the instruction that set it.
    struct Known
    {
        public bool IsKnown;
        public ulong Value;
        public ulong DefinedAt;
    }

    readonly record struct Pending(ulong Address, SyscallSiteKind Kind, bool IsKnown, ulong Value, ulong DefinedAt);

    public static Result Scan(ELF<ulong> elf, List<(ulong Address, string Name)> functions, Dictionary<ulong, string> gotSymbols)
    {
        var wrapperTargets = new HashSet<ulong>();
        foreach (var (address, name) in functions)
            if (name == "syscall") wrapperTargets.Add(address);
        foreach (var section in elf.Sections)
        {
            if (section.Name is ".plt" or ".plt.sec" or ".plt.got")
                MapPltStubs(section, gotSymbols, wrapperTargets);
        }
        var wrapperSlots = new HashSet<ulong>(gotSymbols.Where(kv => kv.Value == "syscall").Select(kv => kv.Key));

        var sites = new List<SyscallSite>();
        long codeBytes = 0;
        var functionStarts = functions.Select(f => f.Address).ToArray();
        var functionNames = functions.Select(f => f.Name).ToArray();
        foreach (var section in elf.Sections)
        {
            if (section.Type != SectionType.ProgBits || (section.Flags & SectionFlags.Executable) == 0) continue;
            if (section.Name.StartsWith(".plt", StringComparison.Ordinal)) continue;
            var code = section.GetContents();
            codeBytes += code.Length;
            ScanSection(code, section.LoadAddress, functionStarts, wrapperTargets, wrapperSlots, sites, functionNames);
        }
        return new Result(sites, codeBytes);
    }

    // PLT entries jump through a GOT slot: "jmp [rip+disp]" (classic .plt, .plt.got) or
    // "endbr64; bnd jmp [rip+disp]" (.plt.sec with IBT). Calls land on the entry start.
    static void MapPltStubs(Section<ulong> section, Dictionary<ulong, string> gotSymbols, HashSet<ulong> wrapperTargets)
    {
        var code = section.GetContents();
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code), section.LoadAddress);
        ulong end = section.LoadAddress + (ulong)code.Length;
        ulong entryStart = section.LoadAddress;
        while (decoder.IP < end)
        {
            decoder.Decode(out var ins);
            if (ins.Code == Code.Endbr64) { entryStart = ins.IP; continue; }
            if (ins.FlowControl == FlowControl.IndirectBranch && ins.IsIPRelativeMemoryOperand
                && gotSymbols.TryGetValue(ins.IPRelativeMemoryAddress, out var name) && name == "syscall")
            {
                wrapperTargets.Add(ins.IP);
                wrapperTargets.Add(entryStart);
            }
            if (ins.FlowControl != FlowControl.Next) entryStart = ins.NextIP;
        }
    }

    static void ScanSection(byte[] code, ulong baseAddress, ulong[] functionStarts, HashSet<ulong> wrapperTargets,
        HashSet<ulong> wrapperSlots, List<SyscallSite> sites, string[] functionNames)
    {
        var targets = new BitArray(code.Length);
        ulong end = baseAddress + (ulong)code.Length;
        void MarkTarget(ulong address)
        {
            if (address >= baseAddress && address < end) targets[(int)(address - baseAddress)] = true;
        }
        foreach (var f in functionStarts) MarkTarget(f);

        var regs = new Known[RegisterCount];
        var pending = new List<Pending>();
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code), baseAddress);
        while (decoder.IP < end)
        {
            decoder.Decode(out var ins);
            // Iced classes syscall as a flow-control instruction; execution continues after it.
            if (ins.Code == Code.Syscall)
            {
                var rax = regs[Rax];
                pending.Add(new Pending(ins.IP, SyscallSiteKind.Instruction, rax.IsKnown, rax.Value, rax.DefinedAt));
                regs[Rax] = default; regs[Rcx] = default; regs[R11] = default;
                continue;
            }
            switch (ins.FlowControl)
            {
                case FlowControl.Next:
                    break;
                case FlowControl.ConditionalBranch:
                    if (ins.Op0Kind is OpKind.NearBranch64) MarkTarget(ins.NearBranchTarget);
                    continue;
                case FlowControl.UnconditionalBranch:
                    if (ins.Op0Kind is OpKind.NearBranch64) MarkTarget(ins.NearBranchTarget);
                    Array.Clear(regs);
                    continue;
                case FlowControl.Call:
                case FlowControl.IndirectCall:
                {
                    bool isWrapper;
                    if (ins.FlowControl == FlowControl.Call)
                    {
                        MarkTarget(ins.NearBranchTarget);
                        isWrapper = wrapperTargets.Contains(ins.NearBranchTarget);
                    }
                    else
                    {
                        isWrapper = ins.IsIPRelativeMemoryOperand && wrapperSlots.Contains(ins.IPRelativeMemoryAddress);
                    }
                    if (isWrapper)
                    {
                        var rdi = regs[Rdi];
                        pending.Add(new Pending(ins.IP, SyscallSiteKind.LibcSyscallFunction, rdi.IsKnown, rdi.Value, rdi.DefinedAt));
                    }
                    ClobberCallerSaved(regs);
                    continue;
                }
                default:
                    // ret, indirect jmp, int3, ud2, invalid bytes: the next instruction is only reached by a jump.
                    Array.Clear(regs);
                    continue;
            }

            Track(ref ins, regs);
        }

        foreach (var p in pending)
        {
            int? number = null;
            if (p.IsKnown && p.Value <= 1023 && !HasTargetBetween(targets, baseAddress, p.DefinedAt, p.Address))
                number = (int)p.Value;
            sites.Add(new SyscallSite(p.Address, p.Kind, number, FunctionAt(functionStarts, functionNames, p.Address)));
        }
    }

    // Targets in (definedAt, site]: another path could reach the site with a different value.
    static bool HasTargetBetween(BitArray targets, ulong baseAddress, ulong definedAt, ulong site)
    {
        if (definedAt < baseAddress) return true;
        for (ulong a = definedAt + 1; a <= site; a++)
            if (targets[(int)(a - baseAddress)]) return true;
        return false;
    }

    static string? FunctionAt(ulong[] starts, string[] names, ulong address)
    {
        int i = Array.BinarySearch(starts, address);
        if (i < 0) i = ~i - 1;
        return i >= 0 ? names[i] : null;
    }

    static void ClobberCallerSaved(Known[] regs)
    {
        regs[Rax] = default; regs[Rcx] = default; regs[Rdx] = default; regs[Rsi] = default; regs[Rdi] = default;
        for (int r = R8; r <= R11; r++) regs[r] = default;
    }

    static int GprIndex(Register register)
    {
        var full = register.GetFullRegister();
        int index = full - Register.RAX;
        return index is >= 0 and < RegisterCount ? index : -1;
    }

    static void Track(ref Instruction ins, Known[] regs)
    {
        switch (ins.Code)
        {
            case Code.Mov_r32_imm32:
            case Code.Mov_rm32_imm32 when ins.Op0Kind == OpKind.Register:
                Set(regs, ins.Op0Register, ins.GetImmediate(1) & 0xffffffff, ins.IP);
                return;
            case Code.Mov_r64_imm64:
            case Code.Mov_rm64_imm32 when ins.Op0Kind == OpKind.Register:
                Set(regs, ins.Op0Register, ins.GetImmediate(1), ins.IP);
                return;
            case Code.Xor_r32_rm32 or Code.Xor_rm32_r32 or Code.Xor_r64_rm64 or Code.Xor_rm64_r64
                when ins.Op0Kind == OpKind.Register && ins.Op1Kind == OpKind.Register && ins.Op0Register == ins.Op1Register:
                Set(regs, ins.Op0Register, 0, ins.IP);
                return;
            case Code.Mov_r32_rm32 or Code.Mov_rm32_r32 or Code.Mov_r64_rm64 or Code.Mov_rm64_r64
                when ins.Op0Kind == OpKind.Register && ins.Op1Kind == OpKind.Register:
            {
                int dst = GprIndex(ins.Op0Register), src = GprIndex(ins.Op1Register);
                if (dst < 0) return;
                if (src >= 0 && regs[src].IsKnown)
                {
                    ulong value = ins.Code is Code.Mov_r32_rm32 or Code.Mov_rm32_r32 ? regs[src].Value & 0xffffffff : regs[src].Value;
                    regs[dst] = new Known { IsKnown = true, Value = value, DefinedAt = regs[src].DefinedAt };
                }
                else regs[dst] = default;
                return;
            }
        }

        switch (ins.Mnemonic)
        {
            case Mnemonic.Cmp or Mnemonic.Test or Mnemonic.Bt or Mnemonic.Push or Mnemonic.Nop or Mnemonic.Prefetchnta
                or Mnemonic.Prefetcht0 or Mnemonic.Prefetcht1 or Mnemonic.Prefetcht2 or Mnemonic.Prefetchw or Mnemonic.Endbr64:
                return;
            // Instructions that write registers not named as their first operand.
            case Mnemonic.Mul or Mnemonic.Imul or Mnemonic.Div or Mnemonic.Idiv or Mnemonic.Cwd or Mnemonic.Cdq or Mnemonic.Cqo
                or Mnemonic.Cbw or Mnemonic.Cwde or Mnemonic.Cdqe or Mnemonic.Cpuid or Mnemonic.Rdtsc or Mnemonic.Rdtscp
                or Mnemonic.Xchg or Mnemonic.Cmpxchg or Mnemonic.Cmpxchg8b or Mnemonic.Cmpxchg16b or Mnemonic.Xadd
                or Mnemonic.Lodsb or Mnemonic.Lodsw or Mnemonic.Lodsd or Mnemonic.Lodsq
                or Mnemonic.Stosb or Mnemonic.Stosw or Mnemonic.Stosd or Mnemonic.Stosq
                or Mnemonic.Movsb or Mnemonic.Movsw or Mnemonic.Movsd or Mnemonic.Movsq
                or Mnemonic.Scasb or Mnemonic.Scasw or Mnemonic.Scasd or Mnemonic.Scasq
                or Mnemonic.Cmpsb or Mnemonic.Cmpsw or Mnemonic.Cmpsd or Mnemonic.Cmpsq
                or Mnemonic.In or Mnemonic.Insb or Mnemonic.Insw or Mnemonic.Insd or Mnemonic.Lahf or Mnemonic.Xgetbv
                or Mnemonic.Rdpid or Mnemonic.Rdpkru or Mnemonic.Rdmsr or Mnemonic.Sysenter or Mnemonic.Leave or Mnemonic.Enter:
                ClobberCallerSaved(regs);
                if (ins.Op0Kind == OpKind.Register) Forget(regs, ins.Op0Register);
                if (ins.OpCount > 1 && ins.Op1Kind == OpKind.Register) Forget(regs, ins.Op1Register);
                return;
        }

        if (ins.OpCount > 0 && ins.Op0Kind == OpKind.Register) Forget(regs, ins.Op0Register);
    }

    static void Set(Known[] regs, Register register, ulong value, ulong at)
    {
        int i = GprIndex(register);
        if (i >= 0) regs[i] = new Known { IsKnown = true, Value = value, DefinedAt = at };
    }

    static void Forget(Known[] regs, Register register)
    {
        int i = GprIndex(register);
        if (i >= 0) regs[i] = default;
    }
}
