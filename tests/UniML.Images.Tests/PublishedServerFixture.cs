namespace UniML.Images.Tests;

/// <summary>The checkout's uniml-server published once per test run with <see cref="ServerPublisher"/> (the
/// same cache <c>uniml up</c> uses, so an unchanged checkout publishes nothing).</summary>
public static class PublishedServerFixture
{
    private static readonly Lazy<string> Published = new(() =>
        new ServerPublisher(GuestProbeFixture.RepositoryRoot, log: Console.WriteLine).Publish());

    public static string ServerPath => Published.Value;

    public static string FixtureModel(string name) => Path.Combine(GuestProbeFixture.RepositoryRoot, "testdata", "models", name, "model.onnx");
}
