import ArgumentParser

/// `--output`, shared by the painting command and `weights import`. A parent command's option
/// takes the value of a subcommand's option of the same name, so both declare this one group
/// and the subcommand receives what the parent parsed.
struct OutputOption: ParsableArguments {
    @Option(help: ArgumentHelp("Output image, format by extension (.png, .jpg, .jpeg; default: out.png); for "
                               + "'weights import', the model file (default: in the cache directory).",
                               valueName: "file"))
    var output: String?
}
