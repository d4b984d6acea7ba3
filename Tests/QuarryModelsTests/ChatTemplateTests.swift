import Foundation
import QuarryModels
import QuarryTesting
import Testing

/// The Jinja subset against llama.cpp's rendering of SmolLM2's template
/// (`smollm2_chat.jsonl`), and on the constructs of the Llama 3 and Qwen 2 families.
@Suite struct ChatTemplateTests {
    @Test("SmolLM2's own template renders the prompts llama.cpp renders, token for token")
    func smolLM2() throws {
        let path = Fixtures.packageRoot().appendingPathComponent("models/SmolLM2-135M-Instruct/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: path) else {
            Issue.record("SmolLM2-135M-Instruct is not in models/ (run scripts/fetch-model SmolLM2-135M-Instruct)")
            return
        }
        let file = try GGUFFile(path: path)
        let template = try ChatTemplate(try #require(file.metadata["tokenizer.chat_template"]?.string))
        let tokenizer = try ByteLevelBPETokenizer(gguf: file)
        let lines = try String(contentsOf: Fixtures.reference("smollm2_chat.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let messages = try #require(object["messages"] as? [[String: String]]).map { ChatTemplate.Message(role: $0["role"]!, content: $0["content"]!) }
            let want = try #require(object["prompt"] as? String)
            let got = try template.render(messages)
            #expect(got == want)
            #expect(tokenizer.encode(got).contains(1), "the prompt's <|im_start|> is a control token")
        }
    }

    @Test("Llama 3 and Qwen 2 constructs: set, loop variables, filters, tests, indices, whitespace control")
    func constructs() throws {
        let llama3 = """
            {{- bos_token }}
            {%- if messages[0]['role'] == 'system' %}
                {%- set system = messages[0]['content'] | trim %}
                {%- set messages = messages[1:] if false else messages %}
            {%- endif %}
            {%- for message in messages %}
                {%- if message.role not in ['system'] %}
            {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}
            """
        // `messages[1:]` and conditional expressions are outside the subset: refused clearly.
        #expect(throws: ChatTemplate.Error.self) { try ChatTemplate(llama3) }
        let subset = llama3.replacingOccurrences(of: "\n    {%- set messages = messages[1:] if false else messages %}", with: "")
        let template = try ChatTemplate(subset)
        let prompt = try template.render([.init(role: "system", content: " Be brief. "), .init(role: "user", content: " Hi ")], bosToken: "<|begin_of_text|>")
        #expect(prompt == "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        let qwen = """
            {% for message in messages %}{% if loop.first and message.role != 'system' %}<|im_start|>system
            You are Qwen.<|im_end|>
            {% endif %}<|im_start|>{{ message.role }}
            {{ message.content }}<|im_end|>{{ '\\n' if false else '' }}
            {% endfor %}
            """
        #expect(throws: ChatTemplate.Error.self) { try ChatTemplate(qwen) }
        let loops = try ChatTemplate("{% for m in messages %}{{ loop.index }}/{{ loop.length }}{% if loop.last %}.{% else %},{% endif %}{% endfor %}"
            + "{{ messages[-1].content | upper }}{{ messages | length }}{% if nope is not defined and messages[0].role is string %}!{% endif %}"
            + "{# a comment #}{{ 'a' ~ 1 + 2 }}")
        #expect(try loops.render([.init(role: "user", content: "x"), .init(role: "user", content: "y")]) == "1/2,2/2.Y2!a3")
        // trim_blocks and lstrip_blocks as Hugging Face renders templates.
        let blocks = try ChatTemplate("a\n    {% if true %}\nb\n    {% endif %}\nc")
        #expect(try blocks.render([]) == "a\nb\nc")
    }

    @Test("broken and unsupported templates are errors naming the place; raise_exception raises")
    func errors() throws {
        for (source, message) in [("{{ x", "unclosed tag at offset 0"), ("{% for x %}", "for NAME in"), ("{% while %}", "unsupported statement `while`"),
                                  ("{% if x %}a", "missing {% elif / else / endif %}"), ("{{ x | tojson }}", "unsupported filter"),
                                  ("{{ 'a }}", "unclosed tag"), ("{{ f(1) }}", "unsupported function `f`"), ("ok {{ x $ }}", "unexpected character")] {
            let error = #expect(throws: ChatTemplate.Error.self, "\(source)") { try ChatTemplate(source) }
            #expect(error?.description.contains(message) == true, "\(source): \(String(describing: error))")
        }
        let raising = try ChatTemplate("{% if messages | length == 0 %}{{ raise_exception('no messages') }}{% endif %}")
        let error = #expect(throws: ChatTemplate.Error.self) { try raising.render([]) }
        #expect(error?.description.contains("no messages") == true)
        #expect(try raising.render([.init(role: "user", content: "x")]) == "")
    }
}
