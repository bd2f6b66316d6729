using System.CommandLine;
using UniML.Conformance;

namespace UniML.Cli.Commands;

/// <summary>`uniml check DIR...`: runs folders in the ONNX backend-test layout and compares outputs.</summary>
static class CheckCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("dirs") { Description = "Test folders (model.onnx + test_data_set_N) or parents of many.", Arity = ArgumentArity.OneOrMore };
        var quiet = new Option<bool>("--failures-only") { Description = "Print only tests that did not pass." };
        var command = new Command("check", $"Run ONNX backend-test folders and compare outputs (floats: {Tolerance.Default}; half floats: {Tolerance.HalfPrecision}; integers, bools and strings exact; NaN equals NaN).")
        {
            dirs, quiet,
        };
        command.SetAction(parse =>
        {
            List<TestCase> cases;
            try { cases = TestCase.Discover(parse.GetValue(dirs)!); }
            catch (DirectoryNotFoundException e)
            {
                Console.Error.WriteLine($"uniml check: {e.Message}");
                return 2;
            }
            if (cases.Count == 0)
            {
                Console.Error.WriteLine("uniml check: no test folders (model.onnx with test_data_set_N) found");
                return 2;
            }
            int passed = 0, random = 0, failed = 0, unsupported = 0;
            foreach (var testCase in cases)
            {
                var outcome = TestRunner.Run(testCase);
                if (outcome.Status == TestStatus.Passed) passed++;
                else if (outcome.Status == TestStatus.RandomChecked) random++;
                else failed++;
                if (outcome.Status == TestStatus.Unsupported) unsupported++;
                if (outcome.Status is not (TestStatus.Passed or TestStatus.RandomChecked) || !parse.GetValue(quiet))
                    Console.WriteLine(outcome);
            }
            if (unsupported > 0)
                Console.WriteLine($"({unsupported} of the failures use operators UniML does not support)");
            Console.WriteLine(random > 0
                ? $"{passed} passed, {random} random (types, shapes and draw domains checked, values not compared), {failed} failed"
                : $"{passed} passed, {failed} failed");
            return failed > 0 ? 1 : 0;
        });
        return command;
    }
}
