using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;

namespace UniML.Deps.Internals;

/// <summary>
/// Builds an <see cref="ElfObject"/> with ELFSharp. ELFSharp gives sections, segments, the dynamic
/// section and symbol tables; the GNU symbol-version tables and RELA relocations are fixed-layout
/// arrays inside sections (System V gABI, LSB "Symbol Versioning"), decoded here from section bytes.
/// </summary>
static partial class ElfObjectReader
{
    const uint ShtGnuVerneed = 0x6ffffffe;
    const uint ShtGnuVersym = 0x6fffffff;
    const uint RX86_64GlobDat = 6;
    const uint RX86_64JumpSlot = 7;

    public static ElfObject Read(string path, bool scanSyscalls)
    {
        if (Directory.Exists(path))
            throw new DependencyAnalysisException($"'{path}' is a directory, not an ELF file.");
        if (!File.Exists(path))
            throw new DependencyAnalysisException($"'{path}' does not exist.");
        long size;
        using (var stream = File.OpenRead(path)) size = stream.Length; // follows symlinks, unlike FileInfo.Length
        if (!ElfObject.HasElfMagic(path))
            throw new DependencyAnalysisException($"'{path}' is not an ELF file (no \\x7fELF magic).");

        ELF<ulong> elf;
        try
        {
            var cls = ELFReader.CheckELFType(path);
            if (cls == Class.Bit32)
                throw new DependencyAnalysisException($"'{path}' is a 32-bit ELF; only x86_64 (ELF64) is supported.");
            if (!ELFReader.TryLoad<ulong>(path, out elf))
                throw new DependencyAnalysisException($"'{path}' is not a readable ELF64 file (truncated or corrupt headers).");
        }
        catch (DependencyAnalysisException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DependencyAnalysisException($"'{path}' is a truncated or corrupt ELF file ({e.Message}).", e);
        }

        using (elf)
        {
            try
            {
                return Analyse(path, size, elf, scanSyscalls);
            }
            catch (DependencyAnalysisException) { throw; }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or EndOfStreamException
                                          or InvalidOperationException or OverflowException or IOException)
            {
                throw new DependencyAnalysisException($"'{path}' is a truncated or corrupt ELF file ({e.GetType().Name}: {e.Message}).", e);
            }
        }
    }

    static ElfObject Analyse(string path, long size, ELF<ulong> elf, bool scanSyscalls)
    {
        if (elf.Machine != Machine.AMD64)
            throw new DependencyAnalysisException($"'{path}' is an ELF for {elf.Machine}; only x86_64 is supported.");
        if (elf.Type is not (FileType.Executable or FileType.SharedObject))
            throw new DependencyAnalysisException($"'{path}' is an ELF {elf.Type} file; expected an executable or shared object.");
        if (!elf.HasSectionHeader)
            throw new DependencyAnalysisException($"'{path}' has no section headers; analysis needs them.");
        // Every section's bytes must lie inside the file; ELFSharp reads lazily, so check up front.
        foreach (var s in elf.Sections)
        {
            if (s.Type != SectionType.NoBits && s.Type != SectionType.Null && s.Offset + s.Size > (ulong)size)
                throw new DependencyAnalysisException($"'{path}' is truncated: section {s.Name} ends at byte {s.Offset + s.Size} but the file has {size}.");
        }

        string? interpreter = null;
        foreach (var seg in elf.Segments)
        {
            if (seg.Type == SegmentType.Interpreter)
                interpreter = Encoding.ASCII.GetString(seg.GetFileContents()).TrimEnd('\0');
        }

        var dynstr = elf.Sections.OfType<StringTable<ulong>>().FirstOrDefault(s => s.Name == ".dynstr");
        var needed = new List<string>();
        var rpath = new List<string>();
        var runpath = new List<string>();
        string? soname = null;
        var dynamic = elf.Sections.OfType<DynamicSection<ulong>>().FirstOrDefault();
        if (dynamic is not null && dynstr is not null)
        {
            foreach (var entry in dynamic.Entries)
            {
                switch (entry.Tag)
                {
                    case DynamicTag.Needed: needed.Add(dynstr[(long)entry.Value]); break;
                    case DynamicTag.SoName: soname = dynstr[(long)entry.Value]; break;
                    case DynamicTag.RPath: rpath.AddRange(dynstr[(long)entry.Value].Split(':', StringSplitOptions.RemoveEmptyEntries)); break;
                    case DynamicTag.RunPath: runpath.AddRange(dynstr[(long)entry.Value].Split(':', StringSplitOptions.RemoveEmptyEntries)); break;
                }
            }
        }

        var dynsym = elf.Sections.OfType<SymbolTable<ulong>>().FirstOrDefault(s => s.Type == SectionType.DynamicSymbolTable);
        var dynEntries = dynsym?.Entries.ToList() ?? [];
        var versionNames = ReadVersionNeeds(elf, dynstr);
        var versym = ReadVersym(elf);
        var imports = new List<ImportedSymbol>();
        var exports = new HashSet<string>(StringComparer.Ordinal);
        bool usesDlopen = false;
        for (int i = 0; i < dynEntries.Count; i++)
        {
            var sym = dynEntries[i];
            if (sym.Name.Length == 0) continue;
            if (sym.Name is "dlopen" or "dlmopen") usesDlopen = true;
            if (sym.PointedSectionIndex != 0)
            {
                if (sym.Binding != SymbolBinding.Local) exports.Add(sym.Name);
                continue;
            }
            string? version = null, file = null;
            if (versym is not null && i < versym.Length && versionNames.TryGetValue((ushort)(versym[i] & 0x7fff), out var v))
                (version, file) = v;
            imports.Add(new ImportedSymbol(sym.Name, version, file, sym.Binding == SymbolBinding.Weak,
                sym.Type == SymbolType.Function));
        }

        var symtab = elf.Sections.OfType<SymbolTable<ulong>>().FirstOrDefault(s => s.Type == SectionType.SymbolTable);
        if (symtab is not null && symtab.Entries.Any(s => s.Name is "dlopen" or "__libc_dlopen_mode" or "_dl_open"))
            usesDlopen = true;

        var dlopenCandidates = usesDlopen ? FindSharedObjectNames(elf, needed, soname) : [];

        IReadOnlyList<SyscallSite> sites = [];
        long codeBytes = 0;
        if (scanSyscalls)
        {
            var functions = CollectFunctionSymbols(dynEntries, symtab);
            var gotSymbols = ReadGotSymbols(elf, dynEntries);
            var scan = StaticSyscallScanner.Scan(elf, functions, gotSymbols);
            sites = scan.Sites;
            codeBytes = scan.CodeBytes;
        }

        bool isExecutable = interpreter is not null || elf.Type == FileType.Executable;
        return new ElfObject
        {
            Path = path,
            FileSize = size,
            IsSharedLibrary = !isExecutable,
            IsStatic = isExecutable && interpreter is null && needed.Count == 0,
            Interpreter = interpreter,
            Soname = soname,
            Needed = needed,
            RPath = rpath,
            RunPath = runpath,
            Imports = imports,
            Exports = exports,
            DlopenCandidates = dlopenCandidates,
            UsesDlopen = usesDlopen,
            SyscallSites = sites,
            CodeBytes = codeBytes,
        };
    }

    /// <summary>Version index → (version name, library) from .gnu.version_r (Elf64_Verneed / Elf64_Vernaux chains).</summary>
    static Dictionary<ushort, (string, string)> ReadVersionNeeds(ELF<ulong> elf, StringTable<ulong>? dynstr)
    {
        var result = new Dictionary<ushort, (string, string)>();
        var section = elf.Sections.FirstOrDefault(s => (uint)s.Type == ShtGnuVerneed);
        if (section is null || dynstr is null) return result;
        var data = section.GetContents();
        int offset = 0;
        for (int guard = 0; guard < 65536 && offset + 16 <= data.Length; guard++)
        {
            ushort count = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(offset + 2));
            string file = dynstr[BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset + 4))];
            int aux = offset + (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset + 8));
            for (int j = 0; j < count && aux + 16 <= data.Length; j++)
            {
                ushort index = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(aux + 6));
                string name = dynstr[BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(aux + 8))];
                result[index] = (name, file);
                uint nextAux = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(aux + 12));
                if (nextAux == 0) break;
                aux += (int)nextAux;
            }
            uint next = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset + 12));
            if (next == 0) break;
            offset += (int)next;
        }
        return result;
    }

    static ushort[]? ReadVersym(ELF<ulong> elf)
    {
        var section = elf.Sections.FirstOrDefault(s => (uint)s.Type == ShtGnuVersym);
        if (section is null) return null;
        var data = section.GetContents();
        var result = new ushort[data.Length / 2];
        for (int i = 0; i < result.Length; i++)
            result[i] = BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(i * 2));
        return result;
    }

    /// <summary>GOT slot address → symbol name, from R_X86_64_JUMP_SLOT and R_X86_64_GLOB_DAT relocations.</summary>
    static Dictionary<ulong, string> ReadGotSymbols(ELF<ulong> elf, List<SymbolEntry<ulong>> dynEntries)
    {
        var result = new Dictionary<ulong, string>();
        foreach (var section in elf.Sections)
        {
            if (section.Type != SectionType.RelocationAddends) continue;
            var data = section.GetContents();
            for (int i = 0; i + 24 <= data.Length; i += 24)
            {
                ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(i));
                ulong info = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(i + 8));
                uint type = (uint)info;
                int symIndex = (int)(info >> 32);
                if (type is RX86_64JumpSlot or RX86_64GlobDat && symIndex > 0 && symIndex < dynEntries.Count)
                    result[offset] = dynEntries[symIndex].Name;
            }
        }
        return result;
    }

    static List<(ulong Address, string Name)> CollectFunctionSymbols(List<SymbolEntry<ulong>> dynEntries, SymbolTable<ulong>? symtab)
    {
        var list = new List<(ulong, string)>();
        void Add(IEnumerable<SymbolEntry<ulong>> entries)
        {
            foreach (var s in entries)
                if (s.Type == SymbolType.Function && s.PointedSectionIndex != 0 && s.Value != 0 && s.Name.Length > 0)
                    list.Add((s.Value, s.Name));
        }
        Add(dynEntries);
        if (symtab is not null) Add(symtab.Entries);
        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return list;
    }

    [GeneratedRegex(@"^(?:[\w.+-]*/)*[\w.+-]+\.so(?:\.[0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SharedObjectName();

    /// <summary>NUL-terminated strings in read-only data that look like shared-object file names.</summary>
    static List<string> FindSharedObjectNames(ELF<ulong> elf, List<string> needed, string? soname)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var section in elf.Sections)
        {
            if (section.Type != SectionType.ProgBits) continue;
            if ((section.Flags & SectionFlags.Allocatable) == 0 || (section.Flags & SectionFlags.Executable) != 0) continue;
            if (section.Name is ".dynstr" or ".interp") continue;
            var data = section.GetContents();
            int start = 0;
            for (int i = 0; i < data.Length; i++)
            {
                byte b = data[i];
                if (b == 0)
                {
                    int len = i - start;
                    // Look for ".so" in the bytes before paying for a string.
                    if (len is >= 4 and <= 255 && data.AsSpan(start, len).IndexOf(".so"u8) >= 0)
                    {
                        var s = Encoding.ASCII.GetString(data, start, len);
                        if (SharedObjectName().IsMatch(s)) found.Add(s);
                    }
                    start = i + 1;
                }
                else if (b < 0x20 || b > 0x7e)
                {
                    start = i + 1;
                }
            }
        }
        found.ExceptWith(needed);
        if (soname is not null) found.Remove(soname);
        return [.. found];
    }
}
