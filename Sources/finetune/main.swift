import Finetune

print("finetune \(finetuneVersion)")
