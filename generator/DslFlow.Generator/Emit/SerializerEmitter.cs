using System.Linq;
using DslFlow.Generator.Model;

namespace DslFlow.Generator.Emit;

/// <summary>
/// Writes the serializers of state and of records in flight (unaligned checkpoints): compositions of the runtime's
/// serializers as expressions, and one nested class per user record, class or struct that saves its members in order.
/// </summary>
internal static class SerializerEmitter
{
    /// <summary>
    /// Opens a region where nullable warnings are off: the runtime's serializers of reference types are declared over
    /// the nullable type (<c>ISerializer&lt;string?&gt;</c>, since they handle null) and serve both annotations, but
    /// <c>ISerializer&lt;T&gt;</c> is invariant.
    /// </summary>
    public const string NullableWarningsOff = "#nullable disable warnings // the runtime's serializers are declared over nullable types and serve both annotations";

    public const string NullableWarningsRestored = "#nullable restore warnings";

    private const string Runtime = "global::DslFlow.Serialization.";

    /// <summary>An expression of type <c>ISerializer&lt;T&gt;</c> (up to nullable annotations).</summary>
    public static string Expression(SerializerModel model) => model.Kind switch
    {
        SerializerKind.Singleton => $"{Runtime}{model.Name}{TypeArguments(model)}.Instance",
        SerializerKind.Composite => $"new {Runtime}{model.Name}{TypeArguments(model)}({string.Join(", ", model.Parts.Select(Expression))})",
        SerializerKind.Custom => $"new {model.Name}()",
        _ => $"{model.Name}.Instance",
    };

    public static void WriteClasses(SourceWriter w, EquatableArray<GeneratedSerializerModel> classes)
    {
        w.WriteLine(NullableWarningsOff);
        for (int i = 0; i < classes.Count; i++)
        {
            w.WriteLine();
            WriteClass(w, classes[i]);
        }
        w.WriteLine(NullableWarningsRestored);
    }

    private static void WriteClass(SourceWriter w, GeneratedSerializerModel s)
    {
        string type = s.Type.FullName;
        w.WriteLine($"/// <summary>Saves <c>{Xml(s.Type.DisplayName)}</c> in checkpoints: its members, in declaration order.</summary>");
        w.WriteLine(CodeText.GeneratedCode);
        w.OpenBlock($"private sealed class {s.ClassName} : global::DslFlow.ISerializer<{type}>");
        w.WriteLine($"public static readonly {s.ClassName} Instance = new {s.ClassName}();");
        if (s.Members.Count > 0)
        {
            w.WriteLine();
        }
        foreach (SerializedMemberModel member in s.Members)
        {
            w.WriteLine(member.Lazy
                ? $"private global::DslFlow.ISerializer<{member.Type}>? {Field(member)}; // refers back to a type being defined: created on first use"
                : $"private readonly global::DslFlow.ISerializer<{member.Type}> {Field(member)} = {Expression(member.Serializer)};");
        }
        w.WriteLine();
        WriteWrite(w, s);
        w.WriteLine();
        WriteRead(w, s);
        w.CloseBlock();
    }

    private static void WriteWrite(SourceWriter w, GeneratedSerializerModel s)
    {
        w.OpenBlock($"public void Write(ref global::DslFlow.Serialization.StateWriter writer, {s.Type.FullName} value)");
        if (s.CheckExactType)
        {
            string name = s.Type.DisplayName;
            w.OpenBlock($"if (value.GetType() != typeof({s.Type.FullName}))");
            w.WriteLine($"throw new global::System.NotSupportedException({CodeText.Literal($"The generated serializer of '{name}' saves the members of '{name}' only, but the state holds a '")} + value.GetType().FullName + "
                + $"{CodeText.Literal("'. Declare the state with the derived type, seal the class, or annotate it with [Serializer(typeof(MySerializer))].")});");
            w.CloseBlock();
        }
        w.WriteLine($"writer.EnterNested({NestingName(s)});");
        foreach (SerializedMemberModel member in s.Members)
        {
            w.WriteLine($"{Use(member)}.Write(ref writer, value.{CodeText.Identifier(member.Name)});");
        }
        w.WriteLine("writer.ExitNested();");
        w.CloseBlock();
    }

    private static void WriteRead(SourceWriter w, GeneratedSerializerModel s)
    {
        w.OpenBlock($"public {s.Type.FullName} Read(ref global::DslFlow.Serialization.StateReader reader)");
        w.WriteLine($"reader.EnterNested({NestingName(s)});");
        foreach (SerializedMemberModel member in s.Members)
        {
            w.WriteLine($"{member.Type} {Local(member)} = {Use(member)}.Read(ref reader);");
        }
        w.WriteLine("reader.ExitNested();");
        string arguments = string.Join(", ", s.ConstructorArguments.Select(i => Local(s.Members[i])));
        SerializedMemberModel[] initialized = s.Members.Where(m => m.InInitializer).ToArray();
        if (initialized.Length == 0)
        {
            w.WriteLine($"return new {s.Type.FullName}({arguments});");
        }
        else
        {
            w.WriteLine($"return new {s.Type.FullName}({arguments})");
            w.OpenBlock();
            foreach (SerializedMemberModel member in initialized)
            {
                w.WriteLine($"{CodeText.Identifier(member.Name)} = {Local(member)},");
            }
            w.CloseBlock(";");
        }
        w.CloseBlock();
    }

    /// <summary>
    /// The type's name for the nesting count (<c>StateLimits.MaxNestingDepth</c>): every user type counts a level, so a
    /// recursive one (a linked chain, a tree) fails with a message instead of overflowing the stack.
    /// </summary>
    private static string NestingName(GeneratedSerializerModel s) => CodeText.Literal(s.Type.DisplayName);

    private static string TypeArguments(SerializerModel model) =>
        model.TypeArguments.IsEmpty ? "" : $"<{string.Join(", ", model.TypeArguments)}>";

    private static string Field(SerializedMemberModel member) => "_" + member.Name;

    private static string Local(SerializedMemberModel member) => member.Name + "Value";

    private static string Use(SerializedMemberModel member) =>
        member.Lazy ? $"({Field(member)} ??= {Expression(member.Serializer)})" : Field(member);

    private static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
