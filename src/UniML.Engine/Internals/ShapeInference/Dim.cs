namespace UniML.Engine.Internals.ShapeInference;

/// <summary>
/// One dimension as known at compile time: a fixed size, a symbol named by the model (a dim_param such as
/// "batch"), or an unnamed unknown. Two dims with the same symbol are the same size; unknowns get fresh
/// symbols, so a value passed through unchanged keeps its identity ("?" when printed).
/// </summary>
internal readonly struct Dim : IEquatable<Dim>
{
    const char FreshMark = '\u0001';

    readonly long _value;
    readonly string? _symbol;

    Dim(long value, string? symbol)
    {
        _value = value;
        _symbol = symbol;
    }

    public static Dim Of(long value) => new(value, null);

    /// <summary>A symbol the model named (dim_param).</summary>
    public static Dim Named(string name) => new(-1, name);

    /// <summary>A new unknown, distinct from every other (see <see cref="ShapeInferencePass.Fresh"/>).</summary>
    public static Dim Fresh(int serial) => new(-1, FreshMark + serial.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public bool IsKnown => _symbol is null;

    /// <summary>The size; only meaningful when <see cref="IsKnown"/>.</summary>
    public long Value => _value;

    public bool IsNamed => _symbol is not null && _symbol[0] != FreshMark;

    /// <summary>The identity of a symbolic dim (fresh ones included), else null.</summary>
    public string? Symbol => _symbol;

    /// <summary>The model's name for a symbolic dim, else null.</summary>
    public string? Name => IsNamed ? _symbol : null;

    public bool Is(long value) => IsKnown && _value == value;

    public bool Equals(Dim other) => _value == other._value && _symbol == other._symbol;

    public override bool Equals(object? obj) => obj is Dim d && Equals(d);

    public override int GetHashCode() => HashCode.Combine(_value, _symbol);

    public static bool operator ==(Dim a, Dim b) => a.Equals(b);

    public static bool operator !=(Dim a, Dim b) => !a.Equals(b);

    public override string ToString() => IsKnown ? _value.ToString(System.Globalization.CultureInfo.InvariantCulture) : IsNamed ? _symbol! : "?";
}
