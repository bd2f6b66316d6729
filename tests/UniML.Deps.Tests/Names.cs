namespace UniML.Deps.Tests;

static class Names
{
    public static string[] Of(IEnumerable<int> numbers) => [.. numbers.Distinct().Order().Select(SyscallTable.X86_64.NameOf)];

    public static int[] Numbers(params string[] names) =>
        [.. names.Select(n => SyscallTable.X86_64.TryGetNumber(n, out int nr) ? nr : throw new ArgumentException(n)).Order()];

    public static string[] Sorted(params string[] names) => [.. names.Order(StringComparer.Ordinal)];
}
